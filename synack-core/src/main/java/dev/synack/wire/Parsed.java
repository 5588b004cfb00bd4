package dev.synack.wire;

import java.util.function.Function;

/**
 * The result of parsing bytes from the wire: either the parsed value or the reason it is malformed.
 *
 * <p>Parsing never throws, whatever the bytes: a bad packet is an ordinary outcome that the stack
 * counts and traces as a {@code drop}. The reason is a {@link MalformedReason}, whose stable code
 * (such as {@code ipv4-bad-header-checksum} or {@code tcp-data-offset-past-end}) is the {@code
 * reason} field of a trace's {@code drop} event.
 *
 * @param <T> the type of the parsed value
 */
public sealed interface Parsed<T> {

  /** A well-formed input and its parsed value. */
  record Ok<T>(T value) implements Parsed<T> {
    public Ok {
      if (value == null) throw new IllegalArgumentException("an Ok value must not be null");
    }

    @Override
    public MalformedReason reason() {
      return null;
    }
  }

  /** A malformed input and the reason. */
  record Malformed<T>(MalformedReason reason) implements Parsed<T> {
    public Malformed {
      if (reason == null) throw new IllegalArgumentException("a reason is required");
    }

    @Override
    public T value() {
      throw new IllegalStateException("malformed: " + reason.code());
    }
  }

  /** Returns an {@link Ok} holding {@code value}. */
  static <T> Parsed<T> ok(T value) {
    return new Ok<>(value);
  }

  /** Returns a {@link Malformed} with the given reason. */
  static <T> Parsed<T> malformed(MalformedReason reason) {
    return new Malformed<>(reason);
  }

  /** Returns whether the input was well formed. */
  default boolean isOk() {
    return this instanceof Ok;
  }

  /**
   * Returns the parsed value; throws {@link IllegalStateException} with the reason if malformed.
   */
  T value();

  /** Returns the reason if malformed, {@code null} if well formed. */
  MalformedReason reason();

  /** Returns the parsed value transformed by {@code f}, or the same reason if malformed. */
  default <U> Parsed<U> map(Function<? super T, ? extends U> f) {
    return switch (this) {
      case Ok<T> ok -> new Ok<>(f.apply(ok.value()));
      case Malformed<T> m -> new Malformed<>(m.reason());
    };
  }

  /** Returns the result of {@code f} on the parsed value, or the same reason if malformed. */
  default <U> Parsed<U> flatMap(Function<? super T, Parsed<U>> f) {
    return switch (this) {
      case Ok<T> ok -> f.apply(ok.value());
      case Malformed<T> m -> new Malformed<>(m.reason());
    };
  }
}
