# Sourced by bin/synack and bin/mvn (POSIX sh). Sets SYNACK_JAVA_HOME to a JDK of version 25 or
# newer, or prints one line saying what to install and exits with status 1.

synack_java_major() {
  # Prints the major version of the JDK at $1, read from its `release` file (no JVM start).
  [ -x "$1/bin/java" ] && [ -x "$1/bin/javac" ] && [ -r "$1/release" ] || return 1
  v=$(sed -n 's/^JAVA_VERSION="\{0,1\}\([0-9][0-9]*\).*/\1/p' "$1/release" | head -n 1)
  [ -n "$v" ] && printf '%s\n' "$v"
}

synack_find_jdk() {
  for candidate in "${SYNACK_JAVA_HOME:-}" "${JAVA_HOME:-}" \
      "$(command -v javac >/dev/null 2>&1 && dirname "$(dirname "$(readlink -f "$(command -v javac)")")")" \
      /usr/lib/jvm/* /usr/local/lib/jvm/* /opt/java/* /opt/jdk* "$HOME"/.sdkman/candidates/java/* \
      "$HOME"/.jdks/* /Library/Java/JavaVirtualMachines/*/Contents/Home; do
    [ -n "$candidate" ] && [ -d "$candidate" ] || continue
    major=$(synack_java_major "$candidate") || continue
    if [ "$major" -ge 25 ] 2>/dev/null; then
      SYNACK_JAVA_HOME=$candidate
      return 0
    fi
  done
  return 1
}

if ! synack_find_jdk; then
  echo "synack: needs a JDK 25 or newer (none found; on Ubuntu 24.04 or later 'apt-get install openjdk-25-jdk'; on Debian (or any Ubuntu) 'apt-get install temurin-25-jdk' after adding Adoptium's apt repository, see https://adoptium.net/installation/linux/; or set JAVA_HOME to one)" >&2
  exit 1
fi
export SYNACK_JAVA_HOME
