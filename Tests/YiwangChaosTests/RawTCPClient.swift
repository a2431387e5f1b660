import NIOCore
import NIOPosix
import YiwangChaos

/// What a plain TCP client saw: the bytes it received and how the exchange ended.
struct Exchange: Sendable {
    enum Ending: Sendable, Equatable {
        /// Received everything it waited for.
        case complete
        /// The peer closed the connection (FIN) first.
        case closed
        /// The connection was reset or refused.
        case failed
        /// Nothing more came before the timeout.
        case timedOut
    }

    var received: [UInt8]
    var ending: Ending
    var elapsed: Duration
}

/// Connects to `address`, sends `bytes`, and reads until `expect` bytes came back, the peer closed, or
/// `timeout` passed.
func exchange(with address: HostPort, send bytes: [UInt8], expect: Int, timeout: TimeAmount = .seconds(10)) async
    -> Exchange
{
    let start = ContinuousClock.now
    let loop = MultiThreadedEventLoopGroup.singleton.next()
    let promise = loop.makePromise(of: Exchange.self)
    do {
        let channel = try await ClientBootstrap(group: loop)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        Collector(expect: expect, timeout: timeout, start: start, promise: promise))
                }
            }
            .connect(host: address.host, port: address.port).get()
        channel.writeAndFlush(ByteBuffer(bytes: bytes), promise: nil)
        let result = try await promise.futureResult.get()
        try? await channel.close()
        return result
    } catch {
        let failed = Exchange(received: [], ending: .failed, elapsed: ContinuousClock.now - start)
        promise.succeed(failed)
        return failed
    }
}

private final class Collector: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let expect: Int
    private let timeout: TimeAmount
    private let start: ContinuousClock.Instant
    private let promise: EventLoopPromise<Exchange>
    private var received: [UInt8] = []
    private var failed = false

    init(expect: Int, timeout: TimeAmount, start: ContinuousClock.Instant, promise: EventLoopPromise<Exchange>) {
        self.expect = expect
        self.timeout = timeout
        self.start = start
        self.promise = promise
    }

    func channelActive(context: ChannelHandlerContext) {
        context.eventLoop.assumeIsolated().scheduleTask(in: timeout) { [self] in
            finish(.timedOut)
            context.close(promise: nil)
        }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        received += unwrapInboundIn(data).readableBytesView
        if received.count >= expect { finish(.complete) }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        failed = true
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        finish(failed ? .failed : .closed)
    }

    private func finish(_ ending: Exchange.Ending) {
        promise.succeed(Exchange(received: received, ending: ending, elapsed: ContinuousClock.now - start))
    }
}
