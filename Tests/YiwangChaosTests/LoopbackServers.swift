import NIOCore
import NIOPosix
import YiwangChaos

/// A tiny in-process upstream on 127.0.0.1 (port 0), closed by `close()`.
struct LoopbackServer: Sendable {
    let channel: any Channel
    var address: HostPort { HostPort(host: "127.0.0.1", port: channel.localAddress?.port ?? 0) }

    /// Echoes every byte back.
    static func echo() async throws -> LoopbackServer {
        try await start { EchoHandler() }
    }

    /// An HTTP/1.1 responder: answers each request with `bodyBytes` bytes of `x` (or echoes a POST body), then
    /// closes the connection.
    static func http(bodyBytes: Int = 10_000) async throws -> LoopbackServer {
        try await start { HTTPResponder(bodyBytes: bodyBytes) }
    }

    private static func start(_ handler: @escaping @Sendable () -> some ChannelInboundHandler) async throws
        -> LoopbackServer
    {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(handler()) }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return LoopbackServer(channel: channel)
    }

    func close() async { try? await channel.close() }
}

private final class EchoHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.writeAndFlush(data, promise: nil)
    }
}

private final class HTTPResponder: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let bodyBytes: Int
    private var request = ByteBuffer()

    init(bodyBytes: Int) { self.bodyBytes = bodyBytes }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var chunk = unwrapInboundIn(data)
        request.writeBuffer(&chunk)
        let text = String(buffer: request)
        guard let headerEnd = text.range(of: "\r\n\r\n") else { return }
        let head = text[..<headerEnd.lowerBound].lowercased()
        var contentLength = 0
        for line in head.split(separator: "\r\n") where line.hasPrefix("content-length:") {
            contentLength = Int(line.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) ?? 0
        }
        let headBytes = text.utf8.distance(from: text.utf8.startIndex, to: headerEnd.upperBound)
        guard request.readableBytes >= headBytes + contentLength else { return }
        let body: [UInt8] =
            contentLength > 0
            ? request.getBytes(at: request.readerIndex + headBytes, length: contentLength) ?? []
            : Array(repeating: UInt8(ascii: "x"), count: bodyBytes)
        var response = ByteBuffer()
        response.writeString("HTTP/1.1 200 OK\r\nContent-Length: \(body.count)\r\nConnection: close\r\n\r\n")
        response.writeBytes(body)
        request.clear()
        context.writeAndFlush(wrapOutboundOut(response)).assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
    }
}
