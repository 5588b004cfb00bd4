package dev.synack.tcp;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class SmokeTest {
  @Test
  void handshakeDataTeardown() {
    EnginePair p = EnginePair.connect(TcpConfig.defaults());
    p.clientToServer("S", 1000, 0);
    p.serverToClient("S.", 5000, 1001);
    p.clientToServer(".", 1001, 5001);
    p.send(p.client(), "hello");
    p.run();
    assertEquals("hello", p.read(p.server()), p.trace.dump());
    p.closeClient();
    p.run();
    p.closeServer();
    p.run();
    p.runToClosed(Duration.ofSeconds(120));
    System.out.println(p.trace.dump());
  }
}
