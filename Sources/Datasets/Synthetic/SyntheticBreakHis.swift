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

    public init(patients: Int = 20, imagesPerPatient: Int = 10, magnifications: [Int] = [40, 100, 200, 400],
                width: Int = 700, height: Int = 460, seed: UInt64) {
        self.patients = patients; self.imagesPerPatient = imagesPerPatient; self.magnifications = magnifications
        self.width = width; self.height = height; self.seed = seed
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
        let seed = seed, width = width, height = height
        let patientOf = Dictionary(uniqueKeysWithValues: (0..<patients).map { (slide($0).slide, UInt64($0)) })
        let failures = Parallel.map(names.count) { i -> DatasetError? in
            let name = names[i]
            let patient = patientOf[name.slide]!
            var patientRandom = SeededRandom(seed: seed, 1, patient)
            let stain = TissuePainter.Stain(random: &patientRandom)
            var random = SeededRandom(seed: seed, 2, patient, UInt64(name.magnification), UInt64(name.sequence))
            var painter = TissuePainter(width: width, height: height, magnification: name.magnification)
            let image = painter.paint(malignant: name.malignant, stain: stain, random: &random)
            let url = base.appendingPathComponent(name.directory).appendingPathComponent(name.fileName)
            do { try PNGCodec.write(image, to: url, fast: true) } catch { return .writeFailed(file: url.path, detail: "\(error)") }
            return nil
        }
        if let failure = failures.compactMap({ $0 }).first { throw failure }
        let files = names.map { "BreaKHis_v1/\($0.directory)/\($0.fileName)" }.sorted()
        return SyntheticSummary(root: root, files: files, images: files.count)
    }
}
