/// A pipeline with a fine-tune on a few 40x32 synthetic BreakHis images, for tests of the training loop.
enum TinyFineTune {
    /// The YAML; `train` lines go under the fine-tune stage's `with`, indented by 6 spaces; `resources` is the
    /// fine-tune stage's `resources:` value.
    static func yaml(name: String, seed: Int, optimizer: String = "{ name: sgd, lr: 0.001, momentum: 0.9 }", imagesPerPatient: Int = 1,
                     head: String = "[{ layer: dense, units: 2 }]", resources: String? = nil, train: [String]) -> String {
        """
        name: \(name)
        seed: \(seed)
        stages:
          synth: { kind: synthesize, with: { dataset: breakhis, patients: 8, images_per_patient: \(imagesPerPatient), magnifications: [100], width: 40, height: 32 } }
          ingest: { kind: ingest, needs: [synth], with: { dataset: breakhis } }
          split: { kind: split, needs: [ingest], with: { train: 0.5, val: 0.25, test: 0.25 } }
          weights: { kind: import-weights, with: { arch: densenet121, source: none } }
          train:
            kind: fine-tune
            needs: [split, weights]\(resources.map { "\n    resources: \($0)" } ?? "")
            with:
              image_size: 32
              head: \(head)
              optimizer: \(optimizer)
              batch_size: 8

        """ + train.map { "      \($0)\n" }.joined()
    }
}
