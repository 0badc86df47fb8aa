/**
 * The partner layer: an encrypted, self-describing copy of the repository on the partner's mounted directory,
 * recoverable from it alone plus the key, and verifiable by the host without any key.
 *
 * <h2>Pieces</h2>
 * <ul>
 *   <li>{@link dev.pactfs.partner.PartnerTarget}: the dumb file store (save / ranged load / stat / list / delete),
 *       with a directory and an in-memory implementation; the ownership guard, the bandwidth cap and the
 *       deadlines that keep a hung share from hanging its caller wrap it ({@link dev.pactfs.partner.PartnerTargets}).
 *   <li>{@link dev.pactfs.partner.Replicator}: packs blobs not yet at the partner, publishes packs, index files and
 *       snapshot records, records locations at home; {@link dev.pactfs.partner.BackgroundReplicator} runs it in the
 *       mount daemon with backoff.
 *   <li>{@link dev.pactfs.partner.Recovery}, {@link dev.pactfs.partner.HostedScrub},
 *       {@link dev.pactfs.partner.Audit}, {@link dev.pactfs.partner.PartnerPrune},
 *       {@link dev.pactfs.partner.CacheLimit} with {@link dev.pactfs.partner.PartnerFetcher}.
 *   <li>The copy as a whole: {@link dev.pactfs.partner.Manifest} (format), ManifestPublisher (end of a pass),
 *       PartnerCheck (start of a pass, audit), ManifestChain (reading), {@link dev.pactfs.partner.ManifestRecovery}.
 * </ul>
 *
 * <h2>Format (version 1; full spec in docs/format.md, "The partner copy")</h2>
 * <pre>
 * pactfs-&lt;repo-id&gt;/config              "pactfs-partner-copy\nformat=1\nrepo_id=&lt;id&gt;\n"
 * pactfs-&lt;repo-id&gt;/packs/&lt;xx&gt;/&lt;sha256&gt;  header('P') blob* seal(PACK_TRAILER, fileId, trailer) trailerLen(4) footer
 * pactfs-&lt;repo-id&gt;/index/&lt;sha256&gt;      header('I') packName(32) seal(INDEX, fileId, index) footer
 *                                        | header('R') seal(INDEX, fileId, repoInfo) footer
 * pactfs-&lt;repo-id&gt;/snapshots/&lt;sha256&gt;  header('S') seal(SNAPSHOT, fileId, record) footer
 * pactfs-&lt;repo-id&gt;/manifests/&lt;sha256&gt;  header('M') clearLen(4) clear signature(64) seal(MANIFEST, fileId, body) footer
 * header = "PACT"(4) kind(1) version(1)=1 reserved(2)=0 fileId(32 random)
 * footer = ~"PACT"(4) crc32c(4) of every preceding byte
 * </pre>
 * Every name is the SHA-256 of the whole file. Blobs in packs are the home store's sealed bytes as they are
 * (AAD = blob type + blob id); a pack's own metadata uses its random fileId as AAD id.
 *
 * <h2>Invariants</h2>
 * <ol>
 *   <li>Nothing is written unless {@code config} names this repo (an unmounted share is an empty directory).
 *   <li>A file appears under its final name whole and durable (temp name, fsync, rename, fsync dir), or not at all.
 *   <li>A pack is published before its index file, both before home records the blobs' partner locations.
 *   <li>A snapshot record is published only after every blob reachable from its root has a recorded location.
 *   <li>Prune deletes a pack only after its live blobs' new pack is published and recorded.
 *   <li>Writers parse back what they built before publishing it.
 *   <li>A manifest is published only after every file it names is durable, and recorded at home only after it is.
 *   <li>A local payload is evicted only when its pack is proven at the partner (named by the current manifest,
 *       shown with its size by the latest listing, and that listing matched).
 *   <li>No caller waits on the partner without a deadline ({@link dev.pactfs.partner.PartnerTimeouts}); a timed-out
 *       operation's thread is abandoned, never joined.
 * </ol>
 */
package dev.pactfs.partner;
