/**
 * The packetdrill interpreter: scripts in packetdrill's language run against synack's sans-IO host
 * in virtual time. It needs the core; io is for running the same scripts against the Linux kernel.
 */
module dev.synack.packetdrill {
  requires transitive dev.synack.io;

  exports dev.synack.packetdrill;
}
