/**
 * What synack teaches with, on top of the core: narration of a trace in English or Chinese, the
 * ladder, SVG and HTML renderings of it ({@code dev.synack.lesson}), and the demo's scenarios run
 * on the simulated network ({@code dev.synack.demo}). Like the core it needs nothing but {@code
 * java.base}; the core does not depend on it.
 */
module dev.synack.lesson {
  requires transitive dev.synack.core;

  exports dev.synack.lesson;
  exports dev.synack.demo;
}
