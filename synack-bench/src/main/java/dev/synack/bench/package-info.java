/** JMH microbenchmarks of the hot paths: parse, build, checksum, engine, reassembly, simulator. */
package dev.synack.bench;
