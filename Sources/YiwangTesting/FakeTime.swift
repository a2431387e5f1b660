import Foundation

/// Runs a daemon with its wall clock off, as on a municipal server without NTP: libfaketime (Debian package
/// `faketime`) preloaded, the monotonic clock left alone (`FAKETIME_DONT_FAKE_MONOTONIC=1`), and
/// `libYiwangFaketimeFix.so` preloaded first (libfaketime 0.9.10 breaks every Swift timer otherwise, see
/// `Sources/CFaketimeFix`). Started through `/usr/bin/env`: a Swift program that is the first process to load
/// libfaketime loses its arguments (libfaketime's `setenv` at load time moves what the runtime reads them from).
public enum FakeTime {
    public static let libraryCandidates = [
        "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1", "/usr/lib/aarch64-linux-gnu/faketime/libfaketimeMT.so.1",
        "/usr/lib/faketime/libfaketimeMT.so.1",
    ]

    /// libfaketime, if installed.
    public static var library: String? { libraryCandidates.first { FileManager.default.fileExists(atPath: $0) } }

    /// The timerfd pass-through, built with the products.
    public static var fix: String? {
        let path = "\(DaemonProcess.binDirectory)/libYiwangFaketimeFix.so"
        return FileManager.default.fileExists(atPath: path) ? path : nil
    }

    public static var isAvailable: Bool { library != nil && fix != nil }

    /// What to start the daemon through.
    public static let launcher = ["/usr/bin/env"]

    /// The environment for a wall clock off by `offset` (libfaketime's syntax: "+2h", "-2h", "+7200").
    public static func environment(offset: String) -> [String: String] {
        base.merging(["FAKETIME": offset]) { $1 }
    }

    /// The environment for a wall clock whose offset is read from `file` at every reading (write "+2h" into it
    /// to make the clock jump).
    public static func environment(file: String) -> [String: String] {
        base.merging(["FAKETIME_TIMESTAMP_FILE": file, "FAKETIME_NO_CACHE": "1"]) { $1 }
    }

    static var base: [String: String] {
        let preload = [fix, library].compactMap { $0 }.joined(separator: ":")
        return ["LD_PRELOAD": preload, "FAKETIME_DONT_FAKE_MONOTONIC": "1"]
    }
}
