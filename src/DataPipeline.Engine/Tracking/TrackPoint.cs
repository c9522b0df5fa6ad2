namespace DataPipeline.Engine.Tracking;

/// <summary>
/// One point of a track: where the scatterer was at a time step, in data pixel coordinates (pixel
/// centres at integers, Row the first image axis), and its velocity there. Speed is in data pixels
/// per step; Direction is the angle of the velocity in degrees from the +Row axis towards +Column
/// (the simulator's angle_deg convention), in (-180, 180]; NaN for a track of one point.
/// </summary>
public readonly record struct TrackPoint(int Step, double Row, double Column, double Speed, double Direction);
