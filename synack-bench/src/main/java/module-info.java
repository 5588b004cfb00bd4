/** JMH microbenchmarks of synack's hot paths. */
module dev.synack.bench {
  requires dev.synack.core;
  requires jmh.core;
  requires jdk.management;
}
