package dev.weft.runtime.net;

import java.util.concurrent.CompletionStage;

/**
 * What a server runs for each connection it accepts, typically an {@code @Async} method reference
 * ({@code Streams.serve(MyServer::handle, host, port)}); it may declare checked exceptions. What it throws, or the
 * failure of what it returns, goes to the loop's exception handler and aborts the connection.
 */
@FunctionalInterface
public interface ConnectionHandler {
    CompletionStage<?> handle(Connection connection) throws Exception;
}
