package dev.pactfs.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.spi.ContextAwareBase;

/**
 * pactfs's logging set-up, found by logback through {@code META-INF/services}: warnings and errors only, on stderr
 * ({@code --verbose} lowers the level to DEBUG, see {@link Main}), besides the mount's figures at unmount
 * ({@link #MOUNT_FIGURES}). In code rather than a logback.xml because parsing
 * the XML loaded an XML parser and took ~50 ms of every command's start.
 */
public final class QuietLogging extends ContextAwareBase implements Configurator {

    static final String PATTERN = "%d{HH:mm:ss.SSS} %-5level [%thread] %logger{24} - %msg%n";

    /**
     * The one logger shown at INFO: the mount daemon's table of the FUSE operations and catalog transactions it
     * served, once at unmount (MountCommand), which is what an operator sends with "why is it slow".
     */
    static final String MOUNT_FIGURES = "dev.pactfs.mount-figures";

    @Override
    public ExecutionStatus configure(LoggerContext context) {
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern(PATTERN);
        encoder.start();
        ConsoleAppender<ILoggingEvent> stderr = new ConsoleAppender<>();
        stderr.setContext(context);
        stderr.setName("STDERR");
        stderr.setTarget("System.err");
        stderr.setEncoder(encoder);
        stderr.start();
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.WARN);
        root.addAppender(stderr);
        context.getLogger("h2database").setLevel(Level.ERROR);
        context.getLogger(MOUNT_FIGURES).setLevel(Level.INFO);
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }
}
