import Foundation
import Imaging
import PipeBase

/// Writes a synthetic BreakHis in the official layout and file names (`BreaKHis_v1/histology_slides/breast/...`),
/// deterministic for a seed and rendered on all cores.
public struct SyntheticBreakHis: Sendable {
    public var patients: Int
    /// Images per patient per magnification.
    public var imagesPerPatient: Int
    public var magnifications: [Int]
    /// Image size; BreakHis is 700 x 460.
    public var width: Int, height: Int
    public var seed: UInt64
    /// `easy` writes the original, cleanly separable images; see `SyntheticDifficulty`.
    public var difficulty: SyntheticDifficulty

    public init(patients: Int = 20, imagesPerPatient: Int = 10, magnifications: [Int] = [40, 100, 200, 400],
                width: Int = 700, height: Int = 460, seed: UInt64, difficulty: SyntheticDifficulty = .easy) {
        self.patients = patients; self.imagesPerPatient = imagesPerPatient; self.magnifications = magnifications
        self.width = width; self.height = height; self.seed = seed; self.difficulty = difficulty
    }

    static let benign = ["A", "F", "PT", "TA"], malignant = ["DC", "LC", "MC", "PC"]

    /// The name parts of patient `index`: alternating benign/malignant, subtypes in turn, distinct slide numbers.
    public func slide(_ index: Int) -> (malignant: Bool, subtype: String, slide: String) {
        let malignant = index % 2 == 1
        let subtype = (malignant ? Self.malignant : Self.benign)[(index / 2) % 4]
        let number = 10000 + (index * 7919) % 90000
        let suffix = ["", "AB", "CD"][index % 3]
        return (malignant, subtype, "\(number)\(suffix)")
    }

    /// Every image name that `write(to:)` produces, in order.
    public func names() -> [BreakHisName] {
        (0..<patients).flatMap { p -> [BreakHisName] in
            let s = slide(p)
            return magnifications.flatMap { mag in
                (1...imagesPerPatient).map {
                    BreakHisName(malignant: s.malignant, subtype: s.subtype, year: "14", slide: s.slide, magnification: mag, sequence: $0)
                }
            }
        }
    }

    /// Renders and writes every image below `root/BreaKHis_v1/`.
    public func write(to root: URL) throws(DatasetError) -> SyntheticSummary {
        guard patients >= 2, patients < 90000, imagesPerPatient >= 1, width >= 16, height >= 16,
              !magnifications.isEmpty, Set(magnifications).isSubset(of: [40, 100, 200, 400]) else {
            throw .invalidOption("synthetic BreakHis needs patients 2...89999, images_per_patient >= 1, width/height >= 16 "
                                 + "and magnifications among 40, 100, 200, 400")
        }
        let names = names()
        let base = root.appendingPathComponent("BreaKHis_v1")
        let folders = Set(names.map(\.directory))
        for folder in folders.sorted() {
            do { try FileManager.default.createDirectory(at: base.appendingPathComponent(folder), withIntermediateDirectories: true) } catch {
                throw .writeFailed(file: base.appendingPathComponent(folder).path, detail: error.localizedDescription)
            }
        }
        let seed = seed, width = width, height = height, difficulty = difficulty
        let patientOf = Dictionary(uniqueKeysWithValues: (0..<patients).map { (slide($0).slide, UInt64($0)) })
        let results = Parallel.map(names.count) { i -> (flipped: Bool, error: DatasetError?) in
            let name = names[i]
            let patient = patientOf[name.slide]!
            let (image, flipped) = Self.render(name, patient: patient, width: width, height: height, seed: seed, difficulty: difficulty)
            let url = base.appendingPathComponent(name.directory).appendingPathComponent(name.fileName)
            do { try PNGCodec.write(image, to: url, fast: true) } catch { return (flipped, .writeFailed(file: url.path, detail: "\(error)")) }
            return (flipped, nil)
        }
        if let failure = results.compactMap(\.error).first { throw failure }
        let path = { (name: BreakHisName) in "BreaKHis_v1/\(name.directory)/\(name.fileName)" }
        let files = names.map(path).sorted()
        let flipped = zip(names, results).filter { $0.1.flipped }.map { path($0.0) }.sorted()
        let summary = SyntheticSummary(root: root, files: files, images: files.count, difficulty: difficulty, flipped: flipped)
        try summary.writeRecord(seed: seed)
        return summary
    }

    /// One image: the original painter at `easy`; otherwise a morphology drawn from the patient's overlapping range
    /// (or, for a flipped image, from the other class's), a varied stain, a scale jitter and the patient's scanner.
    static func render(_ name: BreakHisName, patient: UInt64, width: Int, height: Int, seed: UInt64,
                       difficulty: SyntheticDifficulty) -> (image: Image, flipped: Bool) {
        var patientRandom = SeededRandom(seed: seed, 1, patient)
        var stain = TissuePainter.Stain(random: &patientRandom)
        var random = SeededRandom(seed: seed, 2, patient, UInt64(name.magnification), UInt64(name.sequence))
        if difficulty == .easy {
            var painter = TissuePainter(width: width, height: height, magnification: name.magnification)
            return (painter.paint(malignant: name.malignant, stain: stain, random: &random), false)
        }
        let overlap = difficulty.overlap, variation = difficulty.variation
        var look = SeededRandom(seed: seed, 3, patient)
        stain.vary(strength: variation, random: &look)
        let scanner = ScannerEffects(strength: variation, random: &look)
        func morphology(malignant: Bool, _ r: inout SeededRandom) -> Double {
            malignant ? r.uniform(0.5 - overlap / 2, 1) : r.uniform(0, 0.5 + overlap / 2)
        }
        let patientMorphology = morphology(malignant: name.malignant, &look)
        var own = SeededRandom(seed: seed, 4, patient, UInt64(name.magnification), UInt64(name.sequence))
        let flipped = own.unit() < difficulty.labelNoise
        let score = flipped ? morphology(malignant: !name.malignant, &own) : patientMorphology + 0.08 * own.normal()
        let scale = 1 + variation * own.uniform(-0.2, 0.2)
        var painter = TissuePainter(width: width, height: height, magnification: name.magnification, scale: scale)
        let painted = painter.paint(morphology: score, stain: stain, random: &random)
        var pixels = painted.bytes
        let defocus = variation * 0.15 * Double(name.magnification) / 400
        scanner.apply(to: &pixels, width: width, height: height, defocus: defocus, random: &own)
        return (try! Image(width: width, height: height, format: .rgb8, bytes: pixels), flipped)
    }
}
