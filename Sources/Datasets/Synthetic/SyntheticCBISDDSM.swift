import Foundation
import Imaging
import PipeBase

/// Writes a synthetic CBIS-DDSM: the four case-description CSVs and a classic TCIA DICOM tree
/// (`CBIS-DDSM/<subject>/<study UID>/<series UID>/00000N.dcm`) of 16-bit mammograms, ROI crops and full-size masks.
///
/// As in the real data, some ROI folders hold the mask as `000000.dcm` although the CSV names it the crop.
public struct SyntheticCBISDDSM: Sendable {
    public var patients: Int
    /// Abnormalities per patient; the first four go to LEFT/RIGHT x CC/MLO, later ones share those images.
    public var imagesPerPatient: Int
    /// Mammogram size (real ones are about 3000 x 5000).
    public var width: Int, height: Int
    public var seed: UInt64

    public init(patients: Int = 20, imagesPerPatient: Int = 4, width: Int = 320, height: Int = 512, seed: UInt64) {
        self.patients = patients; self.imagesPerPatient = imagesPerPatient
        self.width = width; self.height = height; self.seed = seed
    }

    /// One mammogram and its abnormalities.
    struct View {
        var patient: Int, side: Int, view: Int, abnormalities: [Int]
        var malignant: Bool { patient % 2 == 1 }
        var mass: Bool { (patient / 2) % 2 == 0 }
        var test: Bool { patient % 5 == 4 }
        var subject: String {
            "\(mass ? "Mass" : "Calc")-\(test ? "Test" : "Training")_P_\(String(format: "%05d", patient + 1))_\(side == 0 ? "LEFT" : "RIGHT")_\(view == 0 ? "CC" : "MLO")"
        }
    }

    static let mammographyHeader = ["patient_id", "breast_density", "left or right breast", "image view", "abnormality id",
                                    "abnormality type", "mass shape", "mass margins", "assessment", "pathology", "subtlety",
                                    "image file path", "cropped image file path", "ROI mask file path"]
    static let calcHeader = ["patient_id", "breast density", "left or right breast", "image view", "abnormality id",
                             "abnormality type", "calc type", "calc distribution", "assessment", "pathology", "subtlety",
                             "image file path", "cropped image file path", "ROI mask file path"]

    /// Renders and writes the dataset below `root`.
    public func write(to root: URL) throws(DatasetError) -> SyntheticSummary {
        guard patients >= 2, patients <= 99999, imagesPerPatient >= 1, width >= 16, height >= 16, width <= 8192, height <= 8192 else {
            throw .invalidOption("synthetic CBIS-DDSM needs patients 2...99999, images_per_patient >= 1 and sizes 16...8192")
        }
        var planned: [View] = []
        for patient in 0..<patients {
            var groups: [Int: [Int]] = [:]
            for j in 0..<imagesPerPatient { groups[j % 4, default: []].append(j) }
            for key in groups.keys.sorted() { planned.append(View(patient: patient, side: key % 2, view: key / 2, abnormalities: groups[key]!)) }
        }
        let seed = seed, width = width, height = height, views = planned
        let outputs = Parallel.map(views.count) { i in
            Result { () throws(DatasetError) -> ([String], [[String]]) in
                try Self.render(views[i], seed: seed, width: width, height: height, root: root)
            }
        }
        var files: [String] = [], rows: [String: [[String]]] = [:]
        for (view, output) in zip(views, outputs) {
            let (written, csvRows) = try output.get()
            files += written
            rows["\(view.mass ? "mass" : "calc")_case_description_\(view.test ? "test" : "train")_set.csv", default: []] += csvRows
        }
        for csv in CBISDDSMCase.csvFiles {
            let header = csv.abnormality == "mass" ? Self.mammographyHeader : Self.calcHeader
            let text = ([header] + (rows[csv.name] ?? [])).map(CSVTable.line).joined(separator: "\r\n") + "\r\n"
            let url = root.appendingPathComponent(csv.name)
            do { try Data(text.utf8).write(to: url) } catch { throw .writeFailed(file: url.path, detail: error.localizedDescription) }
            files.append(csv.name)
        }
        return SyntheticSummary(root: root, files: files.sorted(), images: views.count)
    }

    /// A DICOM UID under CBIS-DDSM's root, from the generator.
    static func uid(_ random: inout SeededRandom) -> String {
        "1.3.6.1.4.1.9590.100.1.2." + (0..<36).map { i in String(i == 0 ? 1 + random.below(9) : random.below(10)) }.joined()
    }

    /// Paints one mammogram with its lesions, writes its DICOMs, and returns the files and CSV rows.
    private static func render(_ view: View, seed: UInt64, width: Int, height: Int, root: URL) throws(DatasetError) -> ([String], [[String]]) {
        var patientRandom = SeededRandom(seed: seed, 11, UInt64(view.patient))
        let tissue = MammogramPainter.Tissue(random: &patientRandom)
        var random = SeededRandom(seed: seed, 12, UInt64(view.patient), UInt64(view.side * 2 + view.view))
        var painter = MammogramPainter(width: width, height: height)
        painter.paintBreast(tissue: tissue, right: view.side == 1, mlo: view.view == 1, random: &random)
        let size = Double(min(width, height))
        var lesions: [MammogramPainter.Lesion] = []
        for _ in view.abnormalities {
            let fromWall = random.uniform(0.2, 0.55) * Double(width) * 0.85
            let x = view.side == 1 ? Double(width - 1) - fromWall : fromWall
            let y = Double(height) * (0.5 + random.uniform(-0.25, 0.25))
            let radius = size * (view.mass ? random.uniform(0.05, 0.09) : 0.06)
            let lesion = MammogramPainter.Lesion(x: x, y: y, radius: radius, malignant: view.malignant, mass: view.mass)
            painter.paint(lesion, random: &random)
            lesions.append(lesion)
        }
        let full = painter.image(random: &random)
        var files: [String] = [], rows: [[String]] = []
        let study = uid(&random), series = uid(&random)
        let fullPath = "\(view.subject)/\(study)/\(series)/000000.dcm"
        try write(full, path: fullPath, patient: view.subject, study: study, series: series, description: "full mammogram images",
                  random: &random, root: root)
        files.append("CBIS-DDSM/" + fullPath)
        for (abnormality, lesion) in zip(view.abnormalities, lesions) {
            let number = abnormality / 4 + 1
            var single = MammogramPainter(width: width, height: height)
            single.paint(lesion, random: &random)
            let subject = "\(view.subject)_\(number)", roiStudy = uid(&random), roiSeries = uid(&random)
            let swapped = (view.patient + abnormality) % 5 == 2
            let cropName = swapped ? "000001.dcm" : "000000.dcm", maskName = swapped ? "000000.dcm" : "000001.dcm"
            let folder = "\(subject)/\(roiStudy)/\(roiSeries)/"
            try write(MammogramPainter.crop(full, around: lesion), path: folder + cropName, patient: subject, study: roiStudy,
                      series: roiSeries, description: "cropped images", random: &random, root: root)
            try write(single.maskImage(), path: folder + maskName, patient: subject, study: roiStudy, series: roiSeries,
                      description: "ROI mask images", random: &random, root: root)
            files += ["CBIS-DDSM/" + folder + cropName, "CBIS-DDSM/" + folder + maskName]
            rows.append(csvRow(view, number: number, tissue: tissue, full: fullPath, crop: folder + "000000.dcm",
                               mask: folder + "000001.dcm" + (abnormality % 2 == 0 ? "\n" : "")))
        }
        return (files, rows)
    }

    private static func csvRow(_ view: View, number: Int, tissue: MammogramPainter.Tissue, full: String, crop: String, mask: String) -> [String] {
        let pathology = view.malignant ? "MALIGNANT" : (view.patient % 4 == 0 ? "BENIGN" : "BENIGN_WITHOUT_CALLBACK")
        let shape = view.mass ? (view.malignant ? "IRREGULAR" : "OVAL") : (view.malignant ? "PLEOMORPHIC" : "ROUND_AND_REGULAR")
        let margins = view.mass ? (view.malignant ? "SPICULATED" : "CIRCUMSCRIBED") : (view.malignant ? "CLUSTERED" : "SCATTERED")
        return ["P_" + String(format: "%05d", view.patient + 1), String(1 + Int(tissue.density * 4.99)),
                view.side == 0 ? "LEFT" : "RIGHT", view.view == 0 ? "CC" : "MLO", String(number),
                view.mass ? "mass" : "calcification", shape, margins, view.malignant ? "5" : "2", pathology,
                String(2 + view.patient % 4), full, crop, mask]
    }

    private static func write(_ image: Image, path: String, patient: String, study: String, series: String, description: String,
                              random: inout SeededRandom, root: URL) throws(DatasetError) {
        let url = root.appendingPathComponent("CBIS-DDSM").appendingPathComponent(path)
        do { try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true) } catch {
            throw .writeFailed(file: url.deletingLastPathComponent().path, detail: error.localizedDescription)
        }
        let writer = DICOMWriter(attributes: [.patientID: patient, .patientName: patient, .studyInstance: study,
                                              .seriesInstance: series, .sopInstance: uid(&random), .modality: "MG",
                                              .seriesDescription: description])
        do { try writer.write(image, to: url) } catch { throw .writeFailed(file: url.path, detail: "\(error)") }
    }
}
