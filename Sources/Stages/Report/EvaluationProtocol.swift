import Foundation
import PipeEngine
import PipeSpec

/// The evaluation protocol in sentences, read from the resolved parameters of the stages an evaluate stage
/// depends on (their stored records) and from what it scored.
public struct EvaluationProtocol {
    /// Each stage's kind and resolved `with` parameters, by stage name; `upstream` names its direct needs.
    public struct Stage {
        public var kind: String
        public var parameters: JSONValue
        public var upstream: [String]
        public init(kind: String, parameters: JSONValue, upstream: [String]) {
            self.kind = kind; self.parameters = parameters; self.upstream = upstream
        }
    }

    public var stages: [String: Stage]

    public init(stages: [String: Stage]) { self.stages = stages }

    /// From the store's records: each record's kind, parameters and upstream names.
    public init(lineage: [String: ArtifactMeta]) {
        stages = lineage.mapValues { meta in
            Stage(kind: meta.parts.kind, parameters: (try? JSONValue.parse(Data(meta.parts.params.utf8))) ?? .object([:]),
                  upstream: meta.parts.upstream.keys.sorted())
        }
    }

    /// The nearest stage of `kind` that `stage` depends on, by name.
    func ancestor(of stage: String, kind: String) -> (name: String, stage: Stage)? {
        var waiting = stages[stage]?.upstream ?? [], seen = Set<String>()
        while !waiting.isEmpty {
            let name = waiting.removeFirst()
            guard seen.insert(name).inserted, let found = stages[name] else { continue }
            if found.kind == kind { return (name, found) }
            waiting += found.upstream
        }
        return nil
    }

    /// The sentences for the evaluate stage `evaluate`: data, split, what was tested, how rates are counted.
    /// `images`, `patients` and `magnifications` describe the scored images.
    public func sentences(evaluate: String, images: Int?, patients: Int?, magnifications: [String]) -> [String] {
        var out: [String] = []
        if let data = dataSentence(evaluate) { out.append(data) }
        out.append(splitSentence(evaluate))
        let split = stages[evaluate]?.parameters["split"]?.stringValue ?? "test"
        var tested = "Scored on the \(split) split"
        if let images { tested += ": \(images) images" + (patients.map { " of \($0) patients" } ?? "") }
        if !magnifications.isEmpty { tested += " at \(Self.list(magnifications.map { "\($0)×" }))" }
        out.append(tested + ".")
        out.append("Image-level rates (accuracy, ROC AUC, precision, recall and the others in the table) count each test image once, "
                   + "so patients with many images weigh more; the patient-level recognition rate is the mean over patients of the share "
                   + "of their images classified correctly (the BreakHis protocol).")
        if let evaluation = stages[evaluate]?.parameters {
            if let threshold = evaluation["threshold"] {
                if let value = threshold.numberValue {
                    out.append(String(format: "With two classes an image is called positive when its probability is at least %g.", value))
                } else if threshold.stringValue == "youden-on-val" {
                    out.append("With two classes the decision threshold maximises Youden's J on the validation split.")
                }
            }
            if let resamples = evaluation["bootstrap"]?.intValue, resamples > 0 {
                out.append("95\u{00A0}% intervals come from \(resamples) bootstrap resamples of whole patients.")
            }
        }
        if let training = ancestor(of: evaluate, kind: "fine-tune") {
            let stopping = training.stage.parameters["early_stopping"]
            let monitor = stopping?["monitor"]?.stringValue ?? "val_loss"
            if stopping?["restore_best"]?.boolValue ?? true {
                out.append("The model evaluated is the epoch of fine-tune stage “\(training.name)” with the best \(monitor) on the validation split.")
            } else {
                out.append("The model evaluated is the last epoch of fine-tune stage “\(training.name)” (restore_best is off).")
            }
        }
        return out
    }

    private func dataSentence(_ evaluate: String) -> String? {
        if let ingest = ancestor(of: evaluate, kind: "ingest") {
            let p = ingest.stage.parameters
            let dataset = p["dataset"]?.stringValue ?? "breakhis"
            var text = "Data: \(dataset == "breakhis" ? "BreakHis" : dataset == "cbis-ddsm" ? "CBIS-DDSM" : "an image folder")"
            if dataset == "breakhis" {
                // Ingest keeps all four by default: only a narrower choice is worth a word.
                let magnifications = p["magnifications"]?.arrayValue?.compactMap(\.intValue) ?? []
                if !magnifications.isEmpty, Set(magnifications) != [40, 100, 200, 400] {
                    text += " (only \(Self.list(magnifications.sorted().map { "\($0)×" })) kept by ingest)"
                }
                text += p["target"]?.stringValue == "subtype" ? ", labelled by the eight tumour subtypes" : ", labelled benign or malignant"
            }
            if ancestor(of: ingest.name, kind: "synthesize") != nil { text += " (synthetic images that pipe generated)" }
            return text + "."
        }
        return nil
    }

    private func splitSentence(_ evaluate: String) -> String {
        guard let split = ancestor(of: evaluate, kind: "split")?.stage.parameters else {
            return "Split: not recorded (no split stage's record reached the report)."
        }
        // A no-break space keeps a share and its sign on one line.
        func percent(_ key: String) -> String { String(format: "%.0f\u{00A0}%%", (split[key]?.numberValue ?? 0) * 100) }
        if split["folds"]?.stringValue == "official" {
            return "Split: BreakHis's official fold \(split["fold"]?.intValue ?? 1) (Folds.csv), by patient; \(percent("val")) of the "
                + "non-test patients validate."
        }
        let byPatient = split["group_by"]?.stringValue != "none"
        if let folds = split["kfold"]?.intValue {
            return "Split: \(folds)-fold cross-validation \(byPatient ? "by patient" : "by image"), fold \(split["fold"]?.intValue ?? 0) tested; "
                + "\(percent("val")) of the remaining \(byPatient ? "patients" : "images") validate."
        }
        let shares = "\(percent("train")) train, \(percent("val")) validation, \(percent("test")) test"
        let stratified = split["stratify"]?.stringValue == "label" ? ", stratified by label" : ""
        return byPatient
            ? "Split: patient-wise (\(shares) of the patients\(stratified)): no patient has images in two splits."
            : "Split: image-wise (\(shares) of the images\(stratified)): one patient's images can be in training and test, so the scores are optimistic."
    }

    /// `a`, `a and b`, `a, b and c`.
    static func list(_ items: [String]) -> String {
        items.count <= 1 ? items.joined() : items.dropLast().joined(separator: ", ") + " and " + items.last!
    }
}
