import Foundation
import YiwangCore
import YiwangEdge

extension EdgeCommand {
    /// Defaults, then the config file, then the flags; validated, errors naming the key (and the file).
    func resolvedConfiguration() throws(YiwangError) -> EdgeConfiguration {
        var settings = EdgeConfiguration(nodeID: "", hubURL: "", dataDirectory: "")
        if let config { try settings.apply(file: config) }
        func duration(_ text: String?, flag: String) throws(YiwangError) -> Int64? {
            guard let text else { return nil }
            guard let ms = EdgeConfiguration.milliseconds(text) else {
                throw .invalidConfig(file: nil, key: flag, "'\(text)' is not a duration (e.g. 500ms, 5s, 1h)")
            }
            return ms
        }
        if let nodeId { settings.nodeID = nodeId }
        if let hub { settings.hubURL = hub }
        if let listen {
            guard let (host, port) = EdgeConfiguration.parseListen(listen) else {
                throw .invalidConfig(file: nil, key: "--listen", "'\(listen)' is not HOST:PORT")
            }
            settings.listenHost = host
            settings.listenPort = port
        }
        if let dataDir { settings.dataDirectory = dataDir }
        if let datasets { settings.datasets = EdgeConfiguration.list(datasets) }
        if let batchMaxChanges { settings.uplink.maxBatchChanges = batchMaxChanges }
        if let batchMaxBytes { settings.uplink.maxBatchBytes = batchMaxBytes }
        if let ms = try duration(linger, flag: "--linger") { settings.uplink.lingerMs = ms }
        if let ms = try duration(heartbeat, flag: "--heartbeat") { settings.uplink.heartbeatIntervalMs = ms }
        if let ms = try duration(retention, flag: "--retention") { settings.uplink.retentionMs = ms }
        if let ms = try duration(backoffBase, flag: "--backoff-base") { settings.uplink.backoffBaseMs = ms }
        if let ms = try duration(backoffCap, flag: "--backoff-cap") { settings.uplink.backoffCapMs = ms }
        if let ms = try duration(connectTimeout, flag: "--connect-timeout") {
            settings.transport.connectTimeoutMs = Int(ms)
        }
        if let ms = try duration(totalTimeout, flag: "--total-timeout") { settings.transport.totalTimeoutMs = Int(ms) }
        if let proxy { settings.transport.proxy = proxy }
        if let caFile { settings.transport.caFile = caFile }
        if let clientCert { settings.transport.clientCertificateFile = clientCert }
        if let clientKey { settings.transport.clientKeyFile = clientKey }
        if let tokenFile {
            guard let token = try? String(contentsOfFile: tokenFile, encoding: .utf8) else {
                throw .invalidConfig(file: nil, key: "--token-file", "cannot read '\(tokenFile)'")
            }
            settings.transport.token = token.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        if let maxValueBytes { settings.maxValueBytes = maxValueBytes }
        if let appCredentialsFile { settings.appCredentials = try AppCredentials.load(path: appCredentialsFile) }
        try settings.validate(file: config)
        return settings
    }
}
