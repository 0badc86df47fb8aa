package dev.pactfs.partner;

/**
 * What {@code pactfs status} shows about replication.
 *
 * @param pendingBlobs      referenced blobs the partner does not hold yet
 * @param pendingBytes      their sealed bytes
 * @param rateBytesPerSec   recent upload rate (last 30 s while a pass runs, else the last pass's average)
 * @param etaSeconds        pendingBytes / rate, or -1 when unknown
 * @param lastSnapshot      name of the newest snapshot whose record is at the partner, or null
 * @param lastSnapshotMs    its time, ms since the epoch (0 if none)
 * @param partnerFreeBytes  usable space at the partner, or -1 when unknown/unreachable
 * @param lastError         the last pass's error, or null; "partner not responding (…)" first when the partner's
 *                          free-space query just timed out
 * @param lastPassMs        end time of the last successful pass, or 0
 * @param running           a pass is running right now (daemon)
 * @param manifestSeq       sequence number of the last manifest home published at the partner (0: none)
 * @param manifestMs        its time
 * @param partnerCheck      what the last listing of the partner found: "ok", the problems, or null (never checked)
 * @param partnerCheckMs    when
 * @param oldestPendingMs   creation time of the oldest blob still pending (0: none pending)
 * @param partnerError      what is wrong with the partner right now, found by this very query (its copy's config
 *                          unreadable, missing or not answering in time), or null when it answered or there is no
 *                          partner: shown at once, not only after the next pass
 */
public record ReplicationStatus(long pendingBlobs, long pendingBytes, double rateBytesPerSec, long etaSeconds,
                                String lastSnapshot, long lastSnapshotMs, long partnerFreeBytes, String lastError,
                                long lastPassMs, boolean running, long manifestSeq, long manifestMs,
                                String partnerCheck, long partnerCheckMs, long oldestPendingMs,
                                String partnerError) {
}
