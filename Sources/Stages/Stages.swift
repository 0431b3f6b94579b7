// The stage kinds (ingest, split, fine-tune, ...) are implemented in this module, one file per kind,
// on top of PipeEngine's stage protocol. None is implemented yet.
