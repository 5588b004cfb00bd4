/**
 * {@code --watch PORT}: a page on loopback that shows a running host's connections as they happen,
 * pushed with server-sent events, fed from the host's trace through a bounded queue so that the
 * event loop never waits for a browser.
 */
package dev.synack.cli.watch;
