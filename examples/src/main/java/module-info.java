/** The README's "Embed it" programs: what a module that embeds synack declares. */
module dev.synack.examples {
  requires dev.synack.io; // and, transitively, dev.synack.core
}
