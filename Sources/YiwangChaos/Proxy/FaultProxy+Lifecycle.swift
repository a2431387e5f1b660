import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

extension FaultProxy: Service {
    /// Binds the listening socket and starts accepting; returns the bound address. Calling it again returns
    /// the same address.
    @discardableResult
    public func start() async throws -> HostPort {
        if let address { return address }
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.autoRead, value: false)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { [self] channel in
                accept(channel)
                return channel.eventLoop.makeSucceededVoidFuture()
            }
        let server = try await bootstrap.bind(host: configuration.listen.host, port: configuration.listen.port).get()
        let port = server.localAddress?.port ?? configuration.listen.port
        let address = HostPort(host: configuration.listen.host, port: port)
        let stopped = state.withLock { state in
            if !state.stopped {
                state.server = server
                state.address = address
            }
            return state.stopped
        }
        if stopped {
            try? await server.close()
            throw CancellationError()
        }
        logger.debug(
            "proxy bound", metadata: ["yiwang.address": "\(address)", "yiwang.upstream": "\(configuration.upstream)"])
        return address
    }

    /// Stops accepting and closes every open connection.
    public func stop() async {
        let (server, connections) = state.withLock { state in
            state.stopped = true
            let taken = (state.server, Array(state.connections.values))
            state.server = nil
            state.connections = [:]
            return taken
        }
        try? await server?.close()
        for handle in connections {
            try? await handle.eventLoop.submit { handle.connection.value.close() }.get()
        }
    }

    /// Runs as a `Service`: starts (unless already started), serves until graceful shutdown, then stops.
    public func run() async throws {
        try await start()
        try? await gracefulShutdown()
        await stop()
    }

    /// A client connected: connect to the upstream on the same event loop and glue the two together.
    private func accept(_ client: any Channel) {
        let id = state.withLock { state in
            defer { state.nextConnection += 1 }
            return state.nextConnection
        }
        let connection = ProxyConnection(
            id: id, client: client, seed: configuration.seed, stats: recorder, logger: logger)
        let handle = ConnectionHandle(connection: NIOLoopBound(connection, eventLoop: client.eventLoop))
        recorder.update {
            $0.connectionsTotal += 1
            $0.connectionsActive += 1
        }
        client.closeFuture.whenComplete { [self] _ in
            _ = state.withLock { $0.connections.removeValue(forKey: id) }
            recorder.update { $0.connectionsActive -= 1 }
        }
        connection.onClientActive = { [self] connection in connectUpstream(connection, handle: handle) }
        do {
            try client.pipeline.syncOperations.addHandler(ProxySideHandler(connection: connection, reads: .upstream))
        } catch {
            connection.reset()
        }
    }

    /// The client is active: register the connection, draw its plan under the same lock (so no fault change
    /// falls between the two), then connect to the upstream on the client's event loop.
    private func connectUpstream(_ connection: ProxyConnection, handle: ConnectionHandle) {
        let client = connection.client
        let id = connection.id
        let registered = state.withLock { state -> (ConnectionPlan, HostPort)? in
            guard !state.stopped else { return nil }
            state.connections[id] = handle
            return (ConnectionPlan(faults: state.faults, seed: configuration.seed, connection: id), state.upstream)
        }
        guard let (plan, upstream) = registered else {
            connection.reset()
            return
        }
        connection.apply(plan)
        if plan.down { return }
        ClientBootstrap(group: client.eventLoop)
            .channelOption(.autoRead, value: false)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connectTimeout(configuration.connectTimeout)
            .connect(host: upstream.host, port: upstream.port)
            .assumeIsolated()
            .whenComplete { result in
                switch result {
                case .success(let upstream):
                    do {
                        try connection.attach(upstream: upstream)
                    } catch {
                        upstream.close(promise: nil)
                        connection.reset()
                    }
                case .failure(let error):
                    connection.upstreamFailed(error)
                }
            }
    }
}
