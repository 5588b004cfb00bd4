package dev.synack.cli;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarFile;
import java.util.jar.Manifest;

/**
 * The {@code java} arguments of a program that {@code synack run} starts, with synack's class path
 * added: to a {@code -cp}, {@code -classpath} or {@code --class-path} the program gives, or in
 * front of its main class; {@code -jar APP.jar} becomes {@code -cp APP.jar:synack MAIN} (a jar's
 * own class path ignores {@code -cp}). A module ({@code -m MODULE[/MAIN]}, as the JDK's {@code -m
 * jdk.httpserver}) runs as given, synack's provider on the class path beside it.
 */
final class JavaArguments {
  /**
   * The main class put before the program's: it sets the JDK's socket factories, so that the
   * program's {@code new Socket()} and {@code new ServerSocket()} are synack's too, then calls the
   * program's {@code main}.
   */
  static final String SOCKETS = "dev.synack.nio.SynackSockets";

  private JavaArguments() {}

  /**
   * Returns {@code args} with {@code synackClassPath} joined to the program's class path.
   *
   * @throws Main.UsageError when there is no main class, module or {@code -jar}, or {@code -jar}
   *     names no readable jar with a {@code Main-Class}
   */
  static List<String> withClassPath(List<String> args, String synackClassPath) {
    List<String> out = new ArrayList<>();
    boolean classPathSeen = false;
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      if (a.equals("-cp") || a.equals("-classpath") || a.equals("--class-path")) {
        if (i + 1 == args.size()) throw new Main.UsageError(a + " needs a class path");
        out.add(a);
        out.add(args.get(++i) + File.pathSeparator + synackClassPath);
        classPathSeen = true;
      } else if (a.startsWith("--class-path=")) {
        out.add(a + File.pathSeparator + synackClassPath);
        classPathSeen = true;
      } else if (a.equals("-m") || a.equals("--module") || a.startsWith("--module=")) {
        // The JVM loads the provider by name through the system class loader, which sees the class
        // path.
        if (!classPathSeen) {
          out.add("-cp");
          out.add(synackClassPath);
        }
        out.addAll(args.subList(i, args.size()));
        return out;
      } else if (a.equals("-jar")) {
        if (i + 1 == args.size()) throw new Main.UsageError("-jar needs a jar file");
        String jar = args.get(++i);
        out.add("-cp");
        out.add(jar + File.pathSeparator + synackClassPath);
        out.add(SOCKETS);
        out.add(mainClassOf(jar));
        out.addAll(args.subList(i + 1, args.size()));
        return out;
      } else if (a.startsWith("-")) {
        out.add(a);
      } else {
        // The main class: the JVM's options end here, the program's arguments follow.
        if (!classPathSeen) {
          String own = System.getenv("CLASSPATH");
          out.add("-cp");
          out.add(
              (own == null || own.isEmpty() ? "." : own) + File.pathSeparator + synackClassPath);
        }
        if (!a.endsWith(".java"))
          out.add(SOCKETS); // a source file runs as given: the launcher compiles it
        out.addAll(args.subList(i, args.size()));
        return out;
      }
    }
    throw new Main.UsageError(
        "no main class, -m or -jar among the java arguments: " + String.join(" ", args));
  }

  private static String mainClassOf(String jar) {
    try (JarFile f = new JarFile(Path.of(jar).toFile())) {
      Manifest m = f.getManifest();
      String main = m == null ? null : m.getMainAttributes().getValue("Main-Class");
      if (main == null) throw new Main.UsageError(jar + " has no Main-Class in its manifest");
      return main;
    } catch (IOException e) {
      throw new Main.UsageError("cannot read " + jar + ": " + e.getMessage());
    }
  }
}
