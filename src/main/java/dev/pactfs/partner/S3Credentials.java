package dev.pactfs.partner;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProviderChain;
import software.amazon.awssdk.auth.credentials.EnvironmentVariableCredentialsProvider;
import software.amazon.awssdk.auth.credentials.ProfileCredentialsProvider;
import software.amazon.awssdk.auth.credentials.SystemPropertyCredentialsProvider;
import software.amazon.awssdk.profiles.ProfileFile;

/*
 * Where an S3 partner's access key comes from: never the command line (argv is world-readable in /proc) and never
 * a log line. In order: a credentials file named in the repo's config (AWS's own format, [default] profile) that
 * only its owner can read; else the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY), then ~/.aws/credentials
 * (AWS_PROFILE picks the profile). Not the EC2/ECS metadata endpoints: a home site is no cloud instance, and
 * probing them costs seconds per command when they are absent.
 */

/** The credentials of an S3 partner target. */
final class S3Credentials {

    private S3Credentials() {
    }

    static AwsCredentialsProvider provider(Path credentialsFile) throws IOException {
        if (credentialsFile != null) {
            checkPrivate(credentialsFile);
            ProfileFile file = ProfileFile.builder().content(credentialsFile).type(ProfileFile.Type.CREDENTIALS).build();
            return ProfileCredentialsProvider.builder().profileFile(file).profileName("default").build();
        }
        return AwsCredentialsProviderChain.builder().reuseLastProviderEnabled(true).credentialsProviders(
                EnvironmentVariableCredentialsProvider.create(), SystemPropertyCredentialsProvider.create(),
                ProfileCredentialsProvider.create()).build();
    }

    /** Refuses a credentials file that anyone but its owner could read, or that is a link. */
    static void checkPrivate(Path f) throws IOException {
        PosixFileAttributes a;
        try {
            a = Files.readAttributes(f, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new PartnerUnavailableException("S3 credentials file " + f + " does not exist");
        }
        if (!a.isRegularFile()) {
            throw new PartnerUnavailableException("S3 credentials file " + f + " is not a regular file");
        }
        for (PosixFilePermission p : a.permissions()) {
            if (p != PosixFilePermission.OWNER_READ && p != PosixFilePermission.OWNER_WRITE) {
                throw new PartnerUnavailableException("S3 credentials file " + f + " is readable by others (mode "
                        + java.nio.file.attribute.PosixFilePermissions.toString(a.permissions())
                        + "); chmod 600 it, it holds the partner's secret key");
            }
        }
        String me = System.getProperty("user.name");
        String owner = a.owner().getName();
        if (!owner.equals("root") && !owner.equals(me)) {
            throw new PartnerUnavailableException("S3 credentials file " + f + " belongs to " + owner
                    + ", neither root nor " + me);
        }
    }
}
