import Dispatch
import Foundation

/// Turns SIGINT, SIGTERM and SIGHUP into a callback with the signal's number, so a run or a job can stop its
/// stages and clean up before exiting.
public final class SignalTrap: @unchecked Sendable {
    private var sources: [DispatchSourceSignal] = []
    private let signals = [SIGINT, SIGTERM, SIGHUP]

    public init(_ handler: @escaping @Sendable (Int32) -> Void) {
        for number in signals {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { handler(number) }
            source.resume()
            sources.append(source)
        }
    }

    /// Restores the default handlers.
    public func restore() {
        for source in sources { source.cancel() }
        for number in signals { signal(number, SIG_DFL) }
    }
}
