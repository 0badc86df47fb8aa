package dev.pactfs.store;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * Records the writing statements of one catalog transaction (SQL and bound parameters) so that the transaction can
 * be appended to the {@link CatalogJournal} as one record and replayed after a crash.
 *
 * <p>Why a recorder and not H2's own log: H2 made durable only by writing an MVStore chunk per commit, 260–360 µs
 * each (issue 15); an append of the statements is one write(2). It wraps the transaction's connection: statements
 * made from it record every successful execution (a failed statement changed nothing: H2 rolls back a statement
 * on its own), queries excepted. Replaying the statements in commit order on the state they first ran on gives the
 * same rows, because every value a statement depends on is either a bound parameter or a row of that state (the
 * catalog uses no clock, random or sequence inside SQL: snapshot ids are handed out explicitly, see Snapshots).
 *
 * <p>Not thread-safe: one per transaction, as its connection.
 */
final class StatementRecorder {

    /** Parameter tags of the encoding (docs/format.md, "Catalog journal"). */
    private static final int NULL = 0, LONG = 1, INT = 2, BYTES = 3, STRING = 4, BOOLEAN = 5, DOUBLE = 6;

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final DataOutputStream out = new DataOutputStream(bytes);
    private int count;
    /**
     * Set once the encoding passed a journal record's limit: the statements are no longer kept (a first snapshot of
     * a big tree runs millions of them in one transaction), and the transaction commits without a record.
     */
    private boolean overflowed;

    /** Whether this transaction outgrew a journal record (its statements were dropped). */
    boolean overflowed() {
        return overflowed;
    }

    /** Statements recorded so far. */
    int count() {
        return count;
    }

    /** Encoded size so far, in bytes. */
    int size() {
        return bytes.size();
    }

    /** The record's payload: the statement count, then each statement. */
    byte[] payload() {
        byte[] body = bytes.toByteArray();
        byte[] p = new byte[4 + body.length];
        p[0] = (byte) (count >>> 24);
        p[1] = (byte) (count >>> 16);
        p[2] = (byte) (count >>> 8);
        p[3] = (byte) count;
        System.arraycopy(body, 0, p, 4, body.length);
        return p;
    }

    /** {@code c} with every statement made from it recording into this recorder. */
    Connection wrap(Connection c) {
        return (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[] {Connection.class},
                (proxy, m, args) -> {
                    Object result = invoke(c, m, args);
                    if (m.getName().equals("prepareStatement") && result instanceof PreparedStatement ps) {
                        return prepared(ps, (String) args[0]);
                    }
                    if (m.getName().equals("createStatement") && result instanceof Statement st) {
                        return plain(st);
                    }
                    return result;
                });
    }

    private static Object invoke(Object target, Method m, Object[] args) throws Throwable {
        try {
            return m.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    private PreparedStatement prepared(PreparedStatement ps, String sql) {
        TreeMap<Integer, Object> params = new TreeMap<>();
        List<TreeMap<Integer, Object>> batch = new ArrayList<>();
        InvocationHandler h = (proxy, m, args) -> {
            String name = m.getName();
            Object result = invoke(ps, m, args);
            if (name.startsWith("set") && args != null && args.length >= 2 && args[0] instanceof Integer i
                    && m.getDeclaringClass() == PreparedStatement.class) {
                params.put(i, name.equals("setNull") ? null : args[1]);
            } else if (name.equals("clearParameters")) {
                params.clear();
            } else if (name.equals("addBatch") && (args == null || args.length == 0)) {
                batch.add(new TreeMap<>(params));
            } else if (name.equals("clearBatch")) {
                batch.clear();
            } else if (name.equals("executeBatch") || name.equals("executeLargeBatch")) {
                for (TreeMap<Integer, Object> p : batch) {
                    record(sql, p);
                }
                batch.clear();
            } else if ((name.equals("execute") || name.equals("executeUpdate") || name.equals("executeLargeUpdate"))
                    && (args == null || args.length == 0)) {
                record(sql, params);
            }
            return result;
        };
        return (PreparedStatement) Proxy.newProxyInstance(PreparedStatement.class.getClassLoader(),
                new Class<?>[] {PreparedStatement.class}, h);
    }

    private Statement plain(Statement st) {
        List<String> batch = new ArrayList<>();
        InvocationHandler h = (proxy, m, args) -> {
            String name = m.getName();
            Object result = invoke(st, m, args);
            if ((name.equals("execute") || name.equals("executeUpdate") || name.equals("executeLargeUpdate"))
                    && args != null && args.length >= 1 && args[0] instanceof String sql) {
                record(sql, java.util.Map.of());
            } else if (name.equals("addBatch") && args != null && args.length == 1) {
                batch.add((String) args[0]);
            } else if (name.equals("clearBatch")) {
                batch.clear();
            } else if (name.equals("executeBatch") || name.equals("executeLargeBatch")) {
                for (String sql : batch) {
                    record(sql, java.util.Map.of());
                }
                batch.clear();
            }
            return result;
        };
        return (Statement) Proxy.newProxyInstance(Statement.class.getClassLoader(), new Class<?>[] {Statement.class}, h);
    }

    private void record(String sql, java.util.Map<Integer, Object> params) throws IOException {
        count++;
        if (overflowed) {
            return;
        }
        if (bytes.size() > CatalogJournal.MAX_PAYLOAD) {
            overflowed = true;
            bytes.reset();
            return;
        }
        byte[] s = sql.getBytes(StandardCharsets.UTF_8);
        out.writeInt(s.length);
        out.write(s);
        int n = params.isEmpty() ? 0 : ((TreeMap<Integer, Object>) params).lastKey();
        out.writeShort(n);
        for (int i = 1; i <= n; i++) {
            Object v = params.get(i);
            if (v == null) {
                out.writeByte(NULL);
            } else if (v instanceof Long l) {
                out.writeByte(LONG);
                out.writeLong(l);
            } else if (v instanceof Integer || v instanceof Short || v instanceof Byte) {
                out.writeByte(INT);
                out.writeInt(((Number) v).intValue());
            } else if (v instanceof byte[] b) {
                out.writeByte(BYTES);
                out.writeInt(b.length);
                out.write(b);
            } else if (v instanceof String str) {
                byte[] b = str.getBytes(StandardCharsets.UTF_8);
                out.writeByte(STRING);
                out.writeInt(b.length);
                out.write(b);
            } else if (v instanceof Boolean b) {
                out.writeByte(BOOLEAN);
                out.writeBoolean(b);
            } else if (v instanceof Double d) {
                out.writeByte(DOUBLE);
                out.writeDouble(d);
            } else {
                throw new IllegalStateException("catalog journal cannot record a parameter of type " + v.getClass());
            }
        }
    }

    /** Runs the statements of a payload made by {@link #payload} on {@code c} (inside the caller's transaction). */
    static void replay(byte[] payload, Connection c) throws IOException, SQLException {
        DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(payload));
        int n = in.readInt();
        for (int k = 0; k < n; k++) {
            byte[] s = new byte[in.readInt()];
            in.readFully(s);
            String sql = new String(s, StandardCharsets.UTF_8);
            int params = in.readUnsignedShort();
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                for (int i = 1; i <= params; i++) {
                    int tag = in.readUnsignedByte();
                    switch (tag) {
                        case NULL -> ps.setObject(i, null);
                        case LONG -> ps.setLong(i, in.readLong());
                        case INT -> ps.setInt(i, in.readInt());
                        case BYTES, STRING -> {
                            byte[] b = new byte[in.readInt()];
                            in.readFully(b);
                            if (tag == BYTES) {
                                ps.setBytes(i, b);
                            } else {
                                ps.setString(i, new String(b, StandardCharsets.UTF_8));
                            }
                        }
                        case BOOLEAN -> ps.setBoolean(i, in.readBoolean());
                        case DOUBLE -> ps.setDouble(i, in.readDouble());
                        default -> throw new IOException("unknown parameter tag " + tag);
                    }
                }
                ps.execute();
            }
        }
        if (in.available() != 0) {
            throw new IOException(in.available() + " bytes after the last statement");
        }
    }
}
