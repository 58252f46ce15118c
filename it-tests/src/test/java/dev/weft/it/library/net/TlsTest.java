package dev.weft.it.library.net;

import static dev.weft.runtime.Await.await;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.weft.Async;
import dev.weft.runtime.EventLoop;
import dev.weft.runtime.Futures;
import dev.weft.runtime.Task;
import dev.weft.runtime.net.Connection;
import dev.weft.runtime.net.Server;
import dev.weft.runtime.net.StreamOptions;
import dev.weft.runtime.net.Streams;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.zip.CRC32;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS on the streams (issue #14): client and server TLS, certificate and host name checks, STARTTLS, a large
 * transfer and close_notify, on 127.0.0.1 with certificates the tests make with the JDK's keytool. Every test's
 * main is bounded by a timeout, so a lost wake-up fails the test instead of hanging it.
 */
class TlsTest {
    private static final String HOST = "127.0.0.1";
    private static final char[] PASSWORD = "weft-test".toCharArray();

    @TempDir
    static Path dir;

    /** Key and certificate for 127.0.0.1 and localhost. */
    private static SSLContext serverContext;
    /** Trusts the certificate of {@link #serverContext}. */
    private static SSLContext clientContext;
    /** As {@link #clientContext}, TLS 1.2 at most (TLS 1.2's close and handshake differ from 1.3's). */
    private static SSLContext clientContext12;
    /** Key and certificate for other.test only (a self-signed one of its own). */
    private static SSLContext otherServerContext;
    /** Trusts only the other.test certificate. */
    private static SSLContext otherClientContext;

    @BeforeAll
    static void certificates() throws Exception {
        KeyStore local = keyPair("local.p12", "CN=localhost", "SAN=ip:127.0.0.1,dns:localhost");
        KeyStore other = keyPair("other.p12", "CN=other.test", "SAN=dns:other.test");
        serverContext = serverContext(local);
        clientContext = clientContext(local, "TLS");
        clientContext12 = clientContext(local, "TLSv1.2");
        otherServerContext = serverContext(other);
        otherClientContext = clientContext(other, "TLS");
    }

    /** A fresh EC key pair and self-signed certificate, made by the JDK's keytool into the temporary directory. */
    private static KeyStore keyPair(String file, String dname, String san) throws Exception {
        Path store = dir.resolve(file);
        Process p = new ProcessBuilder(System.getProperty("java.home") + "/bin/keytool", "-genkeypair",
                "-alias", "weft", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", dname, "-ext", san,
                "-validity", "2", "-storetype", "PKCS12", "-keystore", store.toString(),
                "-storepass", new String(PASSWORD), "-keypass", new String(PASSWORD))
                .redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "keytool did not finish");
        assertEquals(0, p.exitValue(), () -> "keytool failed: " + new String(out, UTF_8));
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            ks.load(in, PASSWORD);
        }
        return ks;
    }

    private static SSLContext serverContext(KeyStore keys) throws Exception {
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, PASSWORD);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), null, new SecureRandom());
        return ctx;
    }

    /** A context that trusts exactly the certificate in {@code keys} (a trust store with it alone). */
    private static SSLContext clientContext(KeyStore keys, String protocol) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("weft", keys.getCertificate("weft"));
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ctx = SSLContext.getInstance(protocol);
        ctx.init(null, tmf.getTrustManagers(), new SecureRandom());
        return ctx;
    }

    private static <T> T run(Supplier<Task<T>> main) {
        return EventLoop.run(() -> Futures.waitFor(main.get(), Duration.ofSeconds(30)));
    }

    private static StreamOptions tls(SSLContext ctx) {
        return StreamOptions.defaults().withTls(ctx);
    }

    // ------------------------------------------------------------------------------------------ echo

    /** Echoes lines, each prefixed with "tls " when the connection is TLS, until the end of the stream. */
    @Async
    static Task<Void> echoLines(Connection c) {
        String prefix = c.isTls() ? "tls " : "plain ";
        while (true) {
            byte[] line = await(c.reader().readLine());
            if (line.length == 0) {
                break;
            }
            c.writer().write((prefix + new String(line, UTF_8)).getBytes(UTF_8));
            await(c.writer().drain());
        }
        c.close();
        return Task.completed(null);
    }

    @Async
    static Task<List<String>> tlsEcho(SSLContext client) {
        Server server = await(Streams.serve(TlsTest::echoLines, HOST, 0, tls(serverContext)));
        Connection c = await(Streams.connect(HOST, server.port(), tls(client)));
        List<String> seen = new ArrayList<>();
        seen.add(c.tlsSession().getProtocol());
        for (String s : List.of("one", "two", "three")) {
            c.writer().write((s + "\n").getBytes(UTF_8));
            seen.add(await(c.reader().readTextLine(UTF_8)));
        }
        // several lines in one write, answered in order
        c.writer().write("four\nfive\n".getBytes(UTF_8));
        seen.add(await(c.reader().readTextLine(UTF_8)));
        seen.add(await(c.reader().readTextLine(UTF_8)));
        c.close(); // close_notify: the server's reader ends, its handler closes
        await(c.closed());
        server.close();
        await(server.closed()); // the handler did finish: it saw the end of the stream
        return Task.completed(seen);
    }

    @Test
    void linesGoBothWaysThroughTls() {
        assertEquals(List.of("TLSv1.3", "tls one", "tls two", "tls three", "tls four", "tls five"),
                run(() -> tlsEcho(clientContext)));
    }

    @Test
    void linesGoBothWaysThroughTls12() {
        assertEquals(List.of("TLSv1.2", "tls one", "tls two", "tls three", "tls four", "tls five"),
                run(() -> tlsEcho(clientContext12)));
    }

    // ------------------------------------------------------------------------------------------ failures

    /** Reads a line; records how the read ended. */
    @Async
    static Task<Void> readOne(Connection c, List<String> outcome) {
        try {
            byte[] line = await(c.reader().readLine(), IOException.class);
            outcome.add("read " + line.length);
        } catch (IOException e) {
            outcome.add(e.getClass().getSimpleName());
        }
        c.close();
        return Task.completed(null);
    }

    @Async
    static Task<String> connectWith(SSLContext serverCtx, StreamOptions clientOptions) {
        List<String> serverSide = new ArrayList<>();
        Server server = await(Streams.serve(c -> readOne(c, serverSide), HOST, 0, tls(serverCtx)));
        String got;
        try {
            Connection c = await(Streams.connect(HOST, server.port(), clientOptions), IOException.class);
            got = "connected, tls " + c.isTls();
            c.close();
            await(c.closed());
        } catch (IOException e) {
            got = e.getClass().getName(); // as the engine threw it: not wrapped
        }
        server.close();
        await(server.closed());
        return Task.completed(got + "; server " + serverSide);
    }

    @Test
    void aClientThatDoesNotTrustTheCertificateFails() {
        // the client trusts the other.test certificate only
        String got = run(() -> connectWith(serverContext, tls(otherClientContext)));
        assertTrue(got.startsWith(SSLHandshakeException.class.getName() + "; server [SSL"), got);
    }

    @Test
    void aCertificateForAnotherHostFailsWithVerification() {
        // trusted, but made for other.test while the client connects to 127.0.0.1
        String got = run(() -> connectWith(otherServerContext, tls(otherClientContext)));
        assertTrue(got.startsWith(SSLHandshakeException.class.getName() + "; server [SSL"), got);
    }

    @Test
    void aCertificateForAnotherHostPassesWithoutVerification() {
        String got = run(() -> connectWith(otherServerContext,
                StreamOptions.defaults().withTls(otherClientContext, false)));
        assertEquals("connected, tls true; server [read 0]", got);
    }

    /** A name resolved to 127.0.0.1 whatever it is: the name, not the address, is what the certificate must match. */
    private static StreamOptions byName(SSLContext ctx) {
        return tls(ctx).withResolver(name -> new InetAddress[] {InetAddress.getByAddress(name, new byte[] {127, 0, 0, 1})});
    }

    @Async
    static Task<String> connectByName(SSLContext serverCtx, SSLContext clientCtx, String name) {
        Server server = await(Streams.serve(TlsTest::echoLines, HOST, 0, tls(serverCtx)));
        String got;
        try {
            Connection c = await(Streams.connect(name, server.port(), byName(clientCtx)), IOException.class);
            c.writer().write("hi\n".getBytes(UTF_8));
            got = await(c.reader().readTextLine(UTF_8));
            c.close();
            await(c.closed());
        } catch (IOException e) {
            got = e.getClass().getName();
        }
        server.close();
        await(server.closed());
        return Task.completed(got);
    }

    @Test
    void theHostNameGivenIsWhatTheCertificateMustMatch() {
        assertEquals("tls hi", run(() -> connectByName(otherServerContext, otherClientContext, "other.test")));
        assertEquals("tls hi", run(() -> connectByName(serverContext, clientContext, "localhost")));
        assertEquals(SSLHandshakeException.class.getName(),
                run(() -> connectByName(serverContext, clientContext, "other.test")));
    }

    /** Reads to the end of the stream, answering nothing. */
    @Async
    static Task<Void> silent(Connection c) {
        await(c.reader().read(-1));
        c.close();
        return Task.completed(null);
    }

    @Async
    static Task<String> handshakeTimeout() {
        Server server = await(Streams.serve(TlsTest::silent, HOST, 0)); // plain: the client's hello gets no answer
        StreamOptions opts = tls(clientContext).withTlsHandshakeTimeout(Duration.ofMillis(300));
        long t0 = System.nanoTime();
        String got;
        try {
            await(Streams.connect(HOST, server.port(), opts), IOException.class);
            got = "connected?";
        } catch (IOException e) {
            got = e.getClass().getName();
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        server.close();
        await(server.closed()); // the handler saw the end: the connection was closed
        return Task.completed(got + (ms >= 250 ? " after the timeout" : " after " + ms + " ms"));
    }

    @Test
    void aHandshakeThatGetsNoAnswerTimesOut() {
        assertEquals(java.net.SocketTimeoutException.class.getName() + " after the timeout",
                run(TlsTest::handshakeTimeout));
    }

    // ------------------------------------------------------------------------------------------ STARTTLS

    /** Plain lines until "STARTTLS", then "GO", the upgrade, and TLS lines (echoLines) to the end. */
    @Async
    static Task<Void> startTlsServer(Connection c) {
        while (true) {
            String line = await(c.reader().readTextLine(UTF_8));
            if (line == null) {
                c.close();
                return Task.completed(null);
            }
            if (line.equals("STARTTLS")) {
                break;
            }
            c.writer().write(("plain " + line + "\n").getBytes(UTF_8));
        }
        c.writer().write("GO\n".getBytes(UTF_8));
        await(c.startTlsAsServer(serverContext)); // no await before this: see its documentation
        await(echoLines(c));
        return Task.completed(null);
    }

    @Async
    static Task<List<String>> startTls() {
        Server server = await(Streams.serve(TlsTest::startTlsServer, HOST, 0));
        Connection c = await(Streams.connect(HOST, server.port()));
        List<String> seen = new ArrayList<>();
        c.writer().write("hello\n".getBytes(UTF_8));
        seen.add(await(c.reader().readTextLine(UTF_8)));
        c.writer().write("STARTTLS\n".getBytes(UTF_8));
        seen.add(await(c.reader().readTextLine(UTF_8)));
        seen.add("tls before " + c.isTls());
        await(c.startTls(clientContext, HOST));
        seen.add("tls after " + c.isTls() + " " + c.tlsSession().getProtocol().startsWith("TLS"));
        for (String s : List.of("secret", "more")) {
            c.writer().write((s + "\n").getBytes(UTF_8));
            seen.add(await(c.reader().readTextLine(UTF_8)));
        }
        c.close();
        await(c.closed());
        server.close();
        await(server.closed());
        return Task.completed(seen);
    }

    @Test
    void aPlainConnectionUpgradesToTls() {
        assertEquals(List.of("plain hello", "GO", "tls before false", "tls after true true", "tls secret", "tls more"),
                run(TlsTest::startTls));
    }

    // ------------------------------------------------------------------------------------------ large transfer

    private static final int LARGE = 4 * 1024 * 1024;

    /** Sends every byte it reads back, until it has seen {@link #LARGE} bytes; then closes. */
    @Async
    static Task<Void> echoBytes(Connection c) {
        long seen = 0;
        while (seen < LARGE) {
            byte[] got = await(c.reader().read(64 * 1024));
            if (got.length == 0) {
                break;
            }
            seen += got.length;
            c.writer().write(got);
            await(c.writer().drain());
        }
        c.close();
        return Task.completed(null);
    }

    @Async
    static Task<Void> sendAll(Connection c, byte[] data) {
        for (int off = 0; off < data.length; off += 100_000) {
            c.writer().write(data, off, Math.min(100_000, data.length - off));
            await(c.writer().drain());
        }
        return Task.completed(null);
    }

    @Async
    static Task<String> large(SSLContext client) {
        byte[] data = new byte[LARGE];
        new Random(14).nextBytes(data);
        CRC32 sent = new CRC32();
        sent.update(data);
        Server server = await(Streams.serve(TlsTest::echoBytes, HOST, 0, tls(serverContext)));
        Connection c = await(Streams.connect(HOST, server.port(), tls(client)));
        Task<Void> sending = sendAll(c, data); // runs while this task reads the echo
        CRC32 back = new CRC32();
        long n = 0;
        while (true) {
            byte[] got = await(c.reader().read(64 * 1024));
            if (got.length == 0) {
                break; // the server's close_notify
            }
            back.update(got);
            n += got.length;
        }
        await(sending);
        c.close();
        server.close();
        await(server.closed());
        return Task.completed(n + " bytes, " + (back.getValue() == sent.getValue() ? "same" : "different") + " crc");
    }

    @Test
    void fourMebibytesGoThereAndBackIntact() {
        assertEquals(LARGE + " bytes, same crc", run(() -> large(clientContext)));
    }

    @Test
    void fourMebibytesGoThereAndBackIntactWithTls12() {
        assertEquals(LARGE + " bytes, same crc", run(() -> large(clientContext12)));
    }

    // ------------------------------------------------------------------------------------------ closing

    /** Writes at once (the handshake is still going on) and closes: both wait for it. */
    @Async
    static Task<Void> byeAndClose(Connection c) {
        c.writer().write("bye\n".getBytes(UTF_8));
        c.close();
        return Task.completed(null);
    }

    @Async
    static Task<String> closeIsEof() {
        Server server = await(Streams.serve(TlsTest::byeAndClose, HOST, 0, tls(serverContext)));
        Connection c = await(Streams.connect(HOST, server.port(), tls(clientContext)));
        String line = await(c.reader().readTextLine(UTF_8));
        byte[] rest = await(c.reader().read(-1)); // to the end of the stream: the server's close_notify
        String eof = "at eof " + c.reader().atEof();
        String writeEof;
        try {
            c.writer().writeEof();
            writeEof = "writeEof accepted";
        } catch (UnsupportedOperationException e) {
            writeEof = "no writeEof";
        }
        c.close();
        await(c.closed());
        server.close();
        await(server.closed());
        return Task.completed(line + ", " + rest.length + " more, " + eof + ", " + writeEof);
    }

    @Test
    void closeSendsTheEndOfTheStream() {
        assertEquals("bye, 0 more, at eof true, no writeEof", run(TlsTest::closeIsEof));
    }
}
