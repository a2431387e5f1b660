import NIOCore

/// Sits on one side of a proxied connection and hands its events to the `ProxyConnection`: the client side
/// reads the `upstream` flow, the upstream side reads the `downstream` flow.
final class ProxySideHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let connection: ProxyConnection
    private let flow: Flow

    init(connection: ProxyConnection, reads flow: Flow) {
        self.connection = connection
        self.flow = flow
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if flow == .upstream && context.channel.isActive { connection.clientActive() }
    }

    func channelActive(context: ChannelHandlerContext) {
        if flow == .upstream { connection.clientActive() }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        connection.received(unwrapInboundIn(data), on: flow)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        connection.readMoreIfPossible(flow)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        // This side is the destination of the other flow: it may read again once this side drains.
        connection.readMoreIfPossible(flow == .upstream ? .downstream : .upstream)
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        connection.sourceClosed(flow)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        connection.sourceClosed(flow)
    }
}
