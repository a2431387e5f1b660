import Foundation
import YiwangAPI
import YiwangCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An archive directory on disk: its manifest and segment files. Every file is written to a temporary name,
/// fsynced, renamed into place and the directory fsynced, so a crash leaves either the old file or the new one;
/// a segment is only listed once the manifest naming it is durable, and the hub records an archive only after
/// that (`AuditArchiver`).
public struct AuditArchiveDirectory: Sendable {
    public let path: String

    public init(path: String) { self.path = path }

    public func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }

    /// The manifest, or nil for a directory that holds none (a new archive).
    public func manifest() throws -> AuditArchiveManifest? {
        let manifestPath = file(AuditArchiveManifest.fileName)
        guard FileManager.default.fileExists(atPath: manifestPath) else { return nil }
        guard let data = FileManager.default.contents(atPath: manifestPath) else {
            throw YiwangError.storage("cannot read \(manifestPath)")
        }
        guard let manifest = try? JSONCoding.decoder.decode(AuditArchiveManifest.self, from: data),
            manifest.format == AuditArchiveManifest.formatName
        else { throw YiwangError.storage("\(manifestPath) is not a \(AuditArchiveManifest.formatName) manifest") }
        return manifest
    }

    /// Creates the directory if needed and checks that a file can be written and fsynced in it, before any
    /// entry is read (an unwritable directory is refused at once, with nothing recorded).
    public func prepare() throws {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw YiwangError.storage("cannot create the archive directory \(path): \(Self.reason(error))")
        }
        let probe = ".write-probe"
        try write([], to: probe)
        unlink(file(probe))
    }

    /// Writes a segment file for `entries` (consecutive, after `prev`) and returns its descriptor.
    public func writeSegment(_ entries: [AuditEntry], prev: AuditHash) throws -> AuditSegmentInfo {
        guard let first = entries.first, let last = entries.last else {
            throw YiwangError.storage("an archive segment needs at least one entry")
        }
        let bytes = try AuditSegmentCodec.encode(entries, prev: prev)
        let name = AuditSegmentInfo.fileName(firstSeq: first.seq, lastSeq: last.seq)
        try write(bytes, to: name)
        return AuditSegmentInfo(
            file: name, firstSeq: first.seq, lastSeq: last.seq, prevHash: prev.hex, headHash: last.hash.hex,
            firstAtMs: first.atMs, lastAtMs: last.atMs, sha256: AuditHash.of(bytes).hex)
    }

    /// Replaces the manifest, durably.
    public func writeManifest(_ manifest: AuditArchiveManifest) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        try write(Array(try encoder.encode(manifest)) + [0x0A], to: AuditArchiveManifest.fileName)
    }

    /// The bytes of a file named by the manifest (nil when it is missing).
    public func contents(of name: String) -> [UInt8]? {
        FileManager.default.contents(atPath: file(name)).map(Array.init)
    }

    /// Temporary file, fsync, rename, fsync of the directory.
    private func write(_ bytes: [UInt8], to name: String) throws {
        let target = file(name)
        let temporary = file(".\(name).tmp")
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o640)
        guard fd >= 0 else { throw Self.failure("cannot write", temporary) }
        var written = 0
        while written < bytes.count {
            let count = bytes[written...].withUnsafeBytes { posixWrite(fd, $0) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else {
                let failure = Self.failure("cannot write", temporary)
                close(fd)
                unlink(temporary)
                throw failure
            }
            written += count
        }
        guard fsync(fd) == 0 else {
            let failure = Self.failure("cannot fsync", temporary)
            close(fd)
            unlink(temporary)
            throw failure
        }
        close(fd)
        guard rename(temporary, target) == 0 else {
            let failure = Self.failure("cannot rename into", target)
            unlink(temporary)
            throw failure
        }
        let directory = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard directory >= 0 else { throw Self.failure("cannot open", path) }
        defer { close(directory) }
        guard fsync(directory) == 0 else { throw Self.failure("cannot fsync", path) }
    }

    private static func failure(_ what: String, _ path: String) -> YiwangError {
        YiwangError.storage("\(what) \(path): \(String(cString: strerror(errno)))")
    }

    private static func reason(_ error: Error) -> String {
        (error as NSError).localizedFailureReason ?? (error as NSError).localizedDescription
    }
}

/// `write(2)` under a name of its own (the directory type has a `write` method).
private func posixWrite(_ fd: Int32, _ buffer: UnsafeRawBufferPointer) -> Int {
    write(fd, buffer.baseAddress, buffer.count)
}
