package dev.pactfs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.core.ConsoleAppender;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** logback finds QuietLogging (META-INF/services) and sets up what logback.xml used to: WARN and up, on stderr. */
class QuietLoggingTest {

    @Test
    void warningsAndErrorsOnlyOnStderr() {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        assertEquals(Level.WARN, root.getLevel());
        assertEquals(Level.ERROR, context.getLogger("h2database").getLevel());
        assertEquals(Level.INFO, context.getLogger(QuietLogging.MOUNT_FIGURES).getLevel(), "the table logged at unmount");
        var appender = root.getAppender("STDERR");
        assertTrue(appender instanceof ConsoleAppender<?> c && c.getTarget().equals("System.err") && c.isStarted(),
                "root logs to stderr: " + appender);
    }
}
