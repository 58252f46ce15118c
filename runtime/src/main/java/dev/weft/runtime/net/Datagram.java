package dev.weft.runtime.net;

import java.net.SocketAddress;
import java.util.Arrays;
import java.util.Objects;

/**
 * One UDP packet that a {@link DatagramEndpoint} received: its payload and the address it came from (asyncio's
 * {@code datagram_received(data, addr)} arguments as one value). Immutable: {@link #data()} gives a copy.
 * Two datagrams are equal when their payloads hold the same bytes and their senders are equal.
 */
public final class Datagram {
    private final byte[] data;
    private final SocketAddress sender;

    /** A datagram with a copy of {@code data}, from {@code sender}. */
    public Datagram(byte[] data, SocketAddress sender) {
        this(data.clone(), Objects.requireNonNull(sender, "sender"), true);
    }

    /** Takes {@code data} as it is: the endpoint copied it out of its scratch buffer already. */
    private Datagram(byte[] data, SocketAddress sender, boolean owned) {
        this.data = data;
        this.sender = sender;
    }

    static Datagram owning(byte[] data, SocketAddress sender) {
        return new Datagram(data, sender, true);
    }

    /** A copy of the payload: exactly the packet's bytes, possibly none (an empty datagram is a datagram). */
    public byte[] data() {
        return data.clone();
    }

    /** The payload's size in bytes. */
    public int length() {
        return data.length;
    }

    /** The address the packet came from (for a connected endpoint, always its remote address). */
    public SocketAddress sender() {
        return sender;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Datagram d && Arrays.equals(data, d.data) && sender.equals(d.sender);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(data) + sender.hashCode();
    }

    @Override
    public String toString() {
        return "Datagram[" + data.length + " bytes from " + sender + "]";
    }
}
