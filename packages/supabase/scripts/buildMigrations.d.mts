// A command line only (see its header): it exports nothing.
export {};
