package policy

// LevelsOfStore converts a store's levels bitmask (store.Record's GranularRequired and
// GranularOptional) to Levels, for facts kept outside a record.
func LevelsOfStore(l uint8) Levels { return fromStoreLevels(l) }
