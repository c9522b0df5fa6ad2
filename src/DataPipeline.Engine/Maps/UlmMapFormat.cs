namespace DataPipeline.Engine.Maps;

/// <summary>The file formats Export-UlmMap writes.</summary>
public enum UlmMapFormat
{
    /// <summary>A figure: log-scaled density, speed and direction, each with its colour bar.</summary>
    Png,

    /// <summary>A MATLAB level 5 MAT-file (variables density, speed, direction, scale), for MATLAB and scipy users.</summary>
    Mat,

    /// <summary>An HDF5 file (datasets density, speed, direction; the scale as an attribute), for h5py and PureHDF.</summary>
    Hdf5,
}
