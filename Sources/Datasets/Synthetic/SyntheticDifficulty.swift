/// How hard a synthetic BreakHis is to classify: a named preset of morphological overlap, per-patient stain and
/// scanner variation, magnification jitter and label noise.
///
/// `easy` is the original generator, bit for bit: disjoint morphologies, mild stain variation, no scanner effects
/// and no flipped labels. `moderate` and `hard` draw each patient's morphology from overlapping benign and malignant
/// ranges, so that some benign patients look more malignant than some malignant ones. On the quickstart (a frozen,
/// randomly initialised DenseNet121 at 64 px, 4 test patients) `moderate` scored accuracy 0.50–0.75 over three
/// seeds and `hard` below chance: use `hard` to test methods, not to demonstrate them.
public enum SyntheticDifficulty: String, Sendable, CaseIterable, Codable {
    case easy, moderate, hard

    /// How far the benign and malignant ranges of the morphology score (0 benign ... 1 malignant) reach into each
    /// other: benign patients draw from `0...(0.5 + overlap / 2)`, malignant from `(0.5 - overlap / 2)...1`.
    public var overlap: Double {
        switch self { case .easy: 0; case .moderate: 0.1; case .hard: 0.8 }
    }

    /// Strength of per-patient stain and scanner variation (colour, brightness, blur, noise, block artifacts), 0...1.
    public var variation: Double {
        switch self { case .easy: 0; case .moderate: 0.2; case .hard: 1 }
    }

    /// Fraction of images painted with the other class's morphology while named as their patient's class.
    public var labelNoise: Double {
        switch self { case .easy: 0; case .moderate: 0.05; case .hard: 0.1 }
    }
}
