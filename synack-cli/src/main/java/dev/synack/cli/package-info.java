/** The {@code synack} command line. */
package dev.synack.cli;
