import Foundation
import PipeBase

/// Images per second measured by real runs on this machine, remembered in the state folder
/// (`throughput.json`) so that `pipe run --dry-run` can say how long a stage will take.
///
/// A rate is keyed by architecture, mode (`inference`: the backbone's forward pass, as cached features and
/// evaluation run it; `training`: forward and backward through the whole network; `training after NAME`: an
/// epoch's passes with the backbone frozen through NAME, the frozen part cached), image size, the cores the
/// process had and pipe's version; a later measurement replaces an earlier one.
struct ThroughputLog {
    static let fileName = "throughput.json"

    enum Mode {
        case inference, training
        case trainingAfter(String)

        var name: String {
            switch self {
            case .inference: "inference"
            case .training: "training"
            case .trainingAfter(let layer): "training after \(layer)"
            }
        }
    }

    let file: URL
    private(set) var rates: [String: Double]

    /// The log of the state folder `store`; empty when nothing was recorded yet or the file is unreadable.
    init(store: URL) {
        file = store.appendingPathComponent(Self.fileName)
        let object = (try? Data(contentsOf: file)).flatMap { try? JSONSerialization.jsonObject(with: $0) }
        rates = (object as? [String: Double]) ?? [:]
    }

    /// The key of a measurement on this machine.
    static func key(arch: String, mode: Mode, size: Int, cores: Int = ProcessInfo.processInfo.activeProcessorCount) -> String {
        "\(arch) \(mode.name) \(size)px \(cores) cores pipe \(PipeVersion.current)"
    }

    func rate(arch: String, mode: Mode, size: Int) -> Double? { rates[Self.key(arch: arch, mode: mode, size: size)] }

    /// Records `images` done in `seconds` and writes the file (atomically; a failure only loses the record).
    static func record(store: URL?, arch: String, mode: Mode, size: Int, images: Int, seconds: Double) {
        guard let store, images > 0, seconds > 0 else { return }
        var log = ThroughputLog(store: store)
        log.rates[key(arch: arch, mode: mode, size: size)] = Double(images) / seconds
        guard let data = try? JSONSerialization.data(withJSONObject: log.rates, options: [.sortedKeys, .prettyPrinted]) else { return }
        try? data.write(to: log.file, options: .atomic)
    }
}
