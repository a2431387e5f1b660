import Foundation
import Logging
import YiwangCore
import Yams

/// What both daemons do the same way at start-up: read a YAML side file (the node's application credentials;
/// the config file itself is read by `ConfigurationReader`), bootstrap logging.
public enum DaemonSupport {
    /// Reads a YAML file as a mapping of keys to values; an empty file is an empty mapping. Errors name
    /// the file (key `config`).
    public static func loadConfigFile(_ path: String) throws(YiwangError) -> [String: Any] {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8)
        else { throw .invalidConfig(file: path, key: "config", "cannot read the config file") }
        let loaded: Any?
        do { loaded = try Yams.load(yaml: text) } catch {
            throw .invalidConfig(file: path, key: "config", "not valid YAML: \(error)")
        }
        guard let loaded else { return [:] }
        guard let map = loaded as? [String: Any] else {
            throw .invalidConfig(file: path, key: "config", "expected a mapping of keys to values")
        }
        return map
    }

    /// One line per event on stdout (journald under systemd) at `levelName`; false if the level is unknown.
    public static func bootstrapLogging(levelName: String) -> Bool {
        guard let level = Logger.Level(rawValue: levelName) else { return false }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardOutput(label: label)
            handler.logLevel = level
            return handler
        }
        return true
    }
}
