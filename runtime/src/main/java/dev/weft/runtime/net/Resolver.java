package dev.weft.runtime.net;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * Turns a host name into the addresses to try, in order ({@link StreamOptions#withResolver}); runs on the loop's
 * default executor, never on the loop, so it may block. The default is {@link InetAddress#getAllByName}.
 */
@FunctionalInterface
public interface Resolver {
    InetAddress[] resolve(String host) throws UnknownHostException;
}
