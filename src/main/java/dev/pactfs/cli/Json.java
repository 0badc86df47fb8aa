package dev.pactfs.cli;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.SerializationFeature;

/**
 * The one JSON writer of the CLI: {@code status --json}, {@code snapshot list --json} and the notify events are
 * built as Jackson trees and written here, never quoted by hand (a snapshot or repo name with a quote, a newline
 * or a control character must still give valid JSON). Member order is the order of insertion, so a script reading
 * by eye sees the fields as documented.
 */
final class Json {

    /** Shared and thread-safe once configured. */
    static final ObjectMapper MAPPER = new ObjectMapper().disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);

    /** Two-space indents and {@code "name": value}, as people write it (Jackson's default puts a space before the colon). */
    private static final DefaultPrettyPrinter PRETTY = new DefaultPrettyPrinter().withSeparators(
            Separators.createDefaultInstance().withObjectFieldValueSpacing(Separators.Spacing.AFTER));

    private Json() {
    }

    static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    /** One line, no spaces: for a log line or an event on a pipe. */
    static String line(Object tree) {
        try {
            return MAPPER.writeValueAsString(tree);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON: " + e.getMessage(), e);
        }
    }

    /** Indented, for output people read as well as scripts. */
    static String pretty(Object tree) {
        try {
            return MAPPER.writer(PRETTY).writeValueAsString(tree);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON: " + e.getMessage(), e);
        }
    }

    /**
     * One JSON array written element by element, indented as {@link #pretty}: {@code ls --recursive --json} of a
     * large tree is never held whole. A failure part way leaves the array unterminated (no valid document) and the
     * command exits non-zero, so a script never takes half a listing for all of it.
     */
    static final class ArrayWriter implements AutoCloseable {
        private final JsonGenerator g;

        ArrayWriter(java.io.Writer w) throws java.io.IOException {
            g = MAPPER.getFactory().createGenerator(w).setPrettyPrinter(PRETTY.createInstance())
                    .disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
            g.writeStartArray();
        }

        void add(ObjectNode element) throws java.io.IOException {
            MAPPER.writeTree(g, element);
        }

        /** Ends the array, once every element is written; the caller ends the line. */
        void finish() throws java.io.IOException {
            g.writeEndArray();
            g.flush();
        }

        /** Flushes what was written; without {@link #finish} the array stays open (a failure part way). */
        @Override
        public void close() throws java.io.IOException {
            g.flush();
        }
    }
}
