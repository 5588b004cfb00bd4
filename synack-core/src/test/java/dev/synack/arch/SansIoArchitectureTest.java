package dev.synack.arch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassModel;
import java.lang.classfile.constantpool.ClassEntry;
import java.lang.classfile.constantpool.MemberRefEntry;
import java.lang.classfile.constantpool.PoolEntry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Enforces the sans-IO rule of DESIGN.md on synack-core's compiled classes: no threads, locks,
 * clocks, unseeded randomness, sockets, files or native access. Reads the constant pool of every
 * class, so a use hidden behind a fully qualified name is caught as well as an import.
 */
class SansIoArchitectureTest {
  /** Class-name prefixes (internal form) the core must not reference. */
  private static final List<String> FORBIDDEN_CLASSES =
      List.of(
          "java/lang/Thread",
          "java/lang/ThreadLocal",
          "java/util/concurrent/",
          "java/util/Timer",
          "java/net/Socket",
          "java/net/ServerSocket",
          "java/net/DatagramSocket",
          "java/nio/channels/",
          "java/nio/file/",
          "java/io/File",
          "java/lang/foreign/",
          "java/time/Clock",
          "java/time/Instant",
          "java/lang/ProcessBuilder",
          "java/lang/Runtime",
          "java/security/SecureRandom",
          "java/util/concurrent/ThreadLocalRandom");

  /**
   * Classes that a forbidden prefix matches by accident ("java/lang/Runtime" is not
   * RuntimeException).
   */
  private static final List<String> ALLOWED_CLASSES = List.of("java/lang/RuntimeException");

  /** Methods (owner.name) the core must not call: clocks, and Random without a seed. */
  private static final List<String> FORBIDDEN_METHODS =
      List.of(
          "java/lang/System.nanoTime",
          "java/lang/System.currentTimeMillis",
          "java/lang/Math.random");

  @Test
  void core_referencesNoThreadsClocksSocketsOrNativeAccess() throws IOException {
    Path classes = Path.of("target/classes");
    List<String> violations = new ArrayList<>();
    int scanned = 0;
    try (Stream<Path> files = Files.walk(classes)) {
      for (Path file : files.filter(p -> p.toString().endsWith(".class")).toList()) {
        if (file.getFileName().toString().equals("module-info.class")) continue;
        scanned++;
        ClassModel model = ClassFile.of().parse(file);
        for (PoolEntry entry : model.constantPool()) {
          if (entry instanceof ClassEntry c) {
            String name = c.asInternalName();
            for (String bad : FORBIDDEN_CLASSES) {
              if (name.startsWith(bad) && !ALLOWED_CLASSES.contains(name))
                violations.add(model.thisClass().asInternalName() + " uses " + name);
            }
          } else if (entry instanceof MemberRefEntry m) {
            String ref = m.owner().asInternalName() + "." + m.name().stringValue();
            if (FORBIDDEN_METHODS.contains(ref))
              violations.add(model.thisClass().asInternalName() + " calls " + ref);
            if (ref.equals("java/util/Random.<init>") && m.type().stringValue().equals("()V")) {
              violations.add(
                  model.thisClass().asInternalName() + " creates an unseeded java.util.Random");
            }
          }
        }
        if (model.flags().has(java.lang.reflect.AccessFlag.SYNCHRONIZED)) {
          violations.add(model.thisClass().asInternalName() + " is synchronized");
        }
        model
            .methods()
            .forEach(
                mm -> {
                  String method =
                      model.thisClass().asInternalName() + "." + mm.methodName().stringValue();
                  if (mm.flags().has(java.lang.reflect.AccessFlag.SYNCHRONIZED)) {
                    violations.add(method + " is synchronized");
                  }
                  // A synchronized block compiles to monitorenter: a lock all the same.
                  mm.code()
                      .ifPresent(
                          code ->
                              code.forEach(
                                  element -> {
                                    if (element instanceof java.lang.classfile.Instruction i
                                        && i.opcode() == java.lang.classfile.Opcode.MONITORENTER) {
                                      violations.add(method + " has a synchronized block");
                                    }
                                  }));
                });
      }
    }
    assertFalse(scanned == 0, "no classes found under " + classes.toAbsolutePath());
    assertEquals(List.of(), violations, "synack-core must stay sans-IO (DESIGN.md)");
  }
}
