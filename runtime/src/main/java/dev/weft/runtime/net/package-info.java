/**
 * Non-blocking TCP streams on the event loop, in the model of asyncio's streams ({@code open_connection},
 * {@code start_server}, {@code StreamReader}, {@code StreamWriter}): {@link dev.weft.runtime.net.Streams#connect}
 * gives a {@link dev.weft.runtime.net.Connection} with a reader and a writer, {@link dev.weft.runtime.net.Streams#serve}
 * starts one handler task per accepted connection. Everything runs on the loop's thread, on its selector
 * ({@link dev.weft.runtime.EventLoop#addReader}); name resolution runs through the loop's default executor, as
 * asyncio's {@code getaddrinfo} does, so the loop never blocks.
 * UDP: {@link dev.weft.runtime.net.Datagrams#bind} gives a {@link dev.weft.runtime.net.DatagramEndpoint}.
 *
 * <pre>{@code
 * @Async static Task<String> hello(String host, int port) {
 *     Connection c = await(Streams.connect(host, port));
 *     c.writer().write("hello\n".getBytes(UTF_8));
 *     await(c.writer().drain());
 *     String reply = await(c.reader().readTextLine(UTF_8));
 *     c.close();
 *     return Task.completed(reply);
 * }
 * }</pre>
 *
 * <p><b>TLS</b> through {@link javax.net.ssl.SSLEngine} with an {@link javax.net.ssl.SSLContext} the caller makes:
 * {@link dev.weft.runtime.net.StreamOptions#withTls} for {@code connect} (the connection is returned once the
 * handshake is done, the certificate checked against the host name unless turned off) and for {@code serve} (each
 * connection's handshake starts at the accept; the handler's reads and writes wait for it), and
 * {@link dev.weft.runtime.net.Connection#startTls} to upgrade an open connection (STARTTLS). {@code close()} sends
 * close_notify, which the peer's reader sees as the end of the stream; {@code writeEof()} is not supported under TLS.
 *
 * <p><b>Failures</b> arrive at the {@code await} as the original {@link java.io.IOException} subclass, never
 * wrapped ({@link java.net.ConnectException} for a refused connection, {@link java.net.SocketTimeoutException} for a
 * connect timeout, the channel's own exception for a reset), so {@code await(x, IOException.class)} catches them.
 *
 * <p><b>Cancellation</b> of a task waiting in a read loses no bytes: what arrived stays buffered for the next
 * read, as with asyncio's reader. Only one read may wait at a time (asyncio's rule).
 *
 * <p><b>Threads</b>: a connection belongs to the loop it was made on; call it from that loop's thread only.
 */
package dev.weft.runtime.net;
