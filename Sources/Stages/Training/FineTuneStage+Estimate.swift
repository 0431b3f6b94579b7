import Foundation
import Models
import PipeEngine
import PipeSpec

/// `pipe run --dry-run`'s time estimate for a fine-tune stage.
extension FineTuneStage {
    /// A dry run's estimate of the stage's time from `ThroughputLog`: images times the rates measured on this machine.
    public func estimate(_ stage: StageSpec, upstream: [String: URL], pipeline: PipelineContext) -> String? {
        guard let p = try? FineTuneParameters(stage), let store = pipeline.store else { return nil }
        let folders = upstream.sorted { $0.key < $1.key }.map(\.value)
        guard let manifest = folders.lazy.compactMap({ try? Checkpoint.manifest(at: $0.path) }).first else {
            return "no estimate yet: the model it starts from is known once the stages it needs have run"
        }
        guard let rows = folders.lazy.compactMap({ try? ManifestFile.read(from: $0, paths: pipeline.paths) }).first(where: { $0.has(.split) })?.rows else {
            return "no estimate yet: the image count is known once its split has run"
        }
        let arch = manifest.architecture.rawValue
        let size = p.imageSize ?? manifest.architecture.defaultInputSize.height
        let train = rows.filter { $0.split == .train }.count, val = rows.filter { $0.split == .val }.count
        let log = ThroughputLog(store: store)
        let inference = log.rate(arch: arch, mode: .inference, size: size)
        if p.freeze == .backbone && p.onlineAugment.steps.isEmpty {
            guard let inference else {
                return "no estimate yet: no \(arch) inference rate at \(size) px measured on this machine (any run of a stage like this records one)"
            }
            return "estimate: \(Self.duration(Double(train + val) / inference)) (\(train + val) images once through the frozen \(arch) at \(size) px, "
                + String(format: "%.2f img/s measured here; the head's epochs on cached features add little)", inference)
        }
        let epochs = "\(p.epochs) epoch\(p.epochs == 1 ? "" : "s")"
        if case .until(let layer) = p.freeze, p.onlineAugment.steps.isEmpty,
           let inference, let after = log.rate(arch: arch, mode: .trainingAfter(layer), size: size) {
            // The frozen prefix runs once per image (at most a whole forward pass), then each epoch runs what follows it.
            let seconds = Double(train + val) / inference + Double(p.epochs) * Double(train) / after
            return "estimate: up to \(Self.duration(seconds)) (\(train + val) images once through the layers up to \(layer) at most "
                + String(format: "%.2f img/s, then %@ × %d training images at %.2f img/s measured here; early stopping may end it sooner)",
                         inference, epochs, train, after)
        }
        guard let training = log.rate(arch: arch, mode: .training, size: size) else {
            return "no estimate yet: no \(arch) training rate at \(size) px\(p.freeze == .none ? "" : " for this freeze") measured on this machine (a run of a stage like this records one)"
        }
        let validation = inference.map { Double(val) / $0 } ?? 0
        let seconds = Double(p.epochs) * (Double(train) / training + validation)
        let partial = p.freeze == .none ? "" : " (whole network; a partly frozen backbone is faster)"
        return "estimate: up to \(Self.duration(seconds)) (\(epochs) × \(train) training images at "
            + String(format: "%.2f img/s%@", training, partial)
            + (inference.map { String(format: ", %d validation images at %.2f img/s", val, $0) } ?? "")
            + " measured here; early stopping may end it sooner)"
    }

    /// `seconds` for people: seconds, minutes or hours.
    static func duration(_ seconds: Double) -> String {
        seconds < 90 ? String(format: "%.0f s", seconds) : seconds < 5400 ? String(format: "%.0f min", seconds / 60) : String(format: "%.1f h", seconds / 3600)
    }
}
