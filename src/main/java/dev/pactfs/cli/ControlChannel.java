package dev.pactfs.cli;

import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/**
 * Data streams over one connection of the control socket, which one thread reads while another writes: the
 * daemon reads a client's cancel while the command's output goes out; the client sends a cancel while it relays
 * output. Not {@code Channels.newInputStream}: on JDK 17 its read holds the channel's blocking lock, and so does
 * {@code Channels.newOutputStream}'s write, so a blocked reader would stall every writer. These adapters call the
 * channel, whose reads and writes lock separately.
 *
 * <p>Writers of frames synchronize on {@link #out} and flush at the end of each frame.
 */
final class ControlChannel implements Closeable {

    final DataInputStream in;
    final DataOutputStream out;
    private final SocketChannel ch;

    ControlChannel(SocketChannel ch) {
        this.ch = ch;
        this.in = new DataInputStream(new InputStream() {
            @Override
            public int read() throws IOException {
                byte[] b = new byte[1];
                return read(b, 0, 1) < 0 ? -1 : b[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                return len == 0 ? 0 : ch.read(ByteBuffer.wrap(b, off, len));
            }
        });
        this.out = new DataOutputStream(new BufferedOutputStream(new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                ByteBuffer buf = ByteBuffer.wrap(b, off, len);
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
            }
        }, 1 << 16));
    }

    SocketChannel channel() {
        return ch;
    }

    @Override
    public void close() throws IOException {
        ch.close();
    }
}
