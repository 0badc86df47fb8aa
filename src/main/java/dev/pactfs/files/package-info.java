/**
 * The lowest floor: creating files and directories that only their owner may open (PrivateFiles). Every layer
 * that writes into a repo (crypto's key file, store's catalog, packs and config, fs's overlays, cli's logs and
 * recovery) creates through it. JDK only.
 */
package dev.pactfs.files;
