import Dispatch
import Foundation

/// SIGTERM and SIGINT in a batch job: Slurm sends SIGTERM on `scancel` and at the time limit, then SIGKILL
/// after its `KillWait`. The stage is told to stop, so the job can record that it was terminated.
final class JobSignals: @unchecked Sendable {
    private let lock = NSLock()
    private var sources: [DispatchSourceSignal] = []
    private var name: String?

    /// The signal received, if any.
    var received: String? {
        lock.lock()
        defer { lock.unlock() }
        return name
    }

    func install(_ onSignal: @escaping @Sendable () -> Void) {
        for (number, label) in [(SIGTERM, "SIGTERM"), (SIGINT, "SIGINT")] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { [self] in
                lock.lock()
                name = name ?? label
                lock.unlock()
                onSignal()
            }
            source.resume()
            sources.append(source)
        }
    }
}
