"""write: answer rows -> typed tables under the run's staging folder. `paths` and `tables` are pure;
`sink` is the Ray Data datasink."""
