/**
 * One TCP connection's protocol engine, sans-IO, written to be read beside RFC 9293: segment
 * arrival follows section 3.10.7 step by step. Sequence-number arithmetic lives in {@link
 * dev.synack.wire.SeqNum} alone.
 *
 * <p>Where things are: {@link dev.synack.tcp.TcpConnection} (the user calls of §3.10.1–3.10.6, the
 * outputs), {@code SegmentArrival} (§3.10.7), {@code Timeouts} (§3.10.8 and every other timer's
 * expiry), {@code Sender} and {@code Receiver} (the send and receive sequence variables of §3.3.1
 * with their buffers), {@code OptionsNegotiation} (MSS, window scale, SACK-permitted, timestamps
 * and PAWS), {@code RttEstimator} (RFC 6298), {@code TimerTable} (one deadline per {@code
 * TimerKind}), {@code LossRecovery} (what ACKs and timeouts tell the sender: RFC 5681, 6582, 6675,
 * 3522, 3708) with the {@code Scoreboard} of segments sent (SACK, RFC 2018/6675) and {@code Rack}
 * (RACK-TLP, RFC 8985), {@code CongestionControl} ({@code Cubic}, RFC 9438 with {@code
 * HyStartPlusPlus}, RFC 9406; {@code NewReno}, RFC 5681), {@code ChallengeAckLimiter} (RFC 5961
 * §7), {@link dev.synack.tcp.IsnGenerator} (RFC 6528). The receive side's helpers: {@code
 * ByteQueue} (buffers that grow on demand), {@code ReassemblyQueue} (out-of-order data), {@code
 * SackGenerator} (RFC 2018 §4, RFC 2883), {@code DelayedAck} (RFC 1122 §4.2.3.2), {@code
 * ReceiveBufferTuner} (auto-tuning as Linux), {@code KeepAlive} (RFC 1122 §4.2.3.6).
 *
 * <p>Where to start: to use TCP, start one level up with {@link dev.synack.stack.Host}, which owns
 * connections; {@link dev.synack.tcp.TcpConnection}'s class comment gives the calling order of the
 * engine, {@link dev.synack.tcp.TcpConfig} its settings, {@link dev.synack.tcp.TcpState} the states
 * of RFC 9293 §3.3.2.
 */
package dev.synack.tcp;
