import Foundation
import YiwangCore
import YiwangHTTP

extension EdgeConfiguration {
    /// The node's configuration: defaults, then the config file, then the environment (`YIWANG_*`), then the
    /// flags (`ConfigFlags.given`); then the files it names are read, each once; then it is validated. Every
    /// error names the key (and the file).
    public static func load(
        file: String?, environment: [String: String], flags: [String: String]
    ) throws(YiwangError) -> EdgeConfiguration {
        var settings = EdgeConfiguration(nodeID: "", hubURL: "", dataDirectory: "")
        try reader.read(into: &settings, file: file, environment: environment, flags: flags)
        try settings.readReferencedFiles(configFile: file)
        try settings.validate(file: file)
        return settings
    }

    /// Applies a YAML config file on top of the current values and reads the files it names (tests and
    /// tools; the daemon uses `load`).
    public mutating func apply(file path: String) throws(YiwangError) {
        try Self.reader.apply(file: path, to: &self)
        try readReferencedFiles(configFile: path)
    }

    /// Reads the token file and the application credentials, once, from the paths the last layer set.
    mutating func readReferencedFiles(configFile: String?) throws(YiwangError) {
        if let path = transport.tokenFile {
            guard let data = FileManager.default.contents(atPath: path), let token = String(data: data, encoding: .utf8)
            else { throw .invalidConfig(file: configFile, key: "token_file", "cannot read the token file '\(path)'") }
            transport.token = token.trimmingCharacters(in: .whitespacesAndNewlines)
            transport.tokenFile = nil
        }
        if let path = appCredentialsFile {
            appCredentials = try AppCredentials.load(path: path)
            appCredentialsFile = nil
        }
    }
}
