using DataPipeline.Engine.Batching;
using DataPipeline.Engine.Evaluation;
using DataPipeline.Engine.Mat;
using DataPipeline.Engine.Models;
using DataPipeline.Engine.Simulation;
using DataPipeline.Engine.Training;

namespace DataPipeline.Engine.Configuration;

// The sections of the configuration file. Every key has a default, so an empty file is valid.
// Property defaults are the documented defaults; the [ConfigKey] attributes give the TOML names,
// bounds and the comments New-TrainingConfig writes.

[ConfigSection("data", "Frames from MATLAB files (Import-MatDataset). Paths are MATLAB struct paths such as low_res.das or frames(3).img.")]
public sealed class DataSettings
{
    [ConfigKey("data_variable", "Path of the data array in each file.")]
    public string DataVariable { get; set; } = "low_res.das";

    [ConfigKey("label_variable", "Path of the label array; empty for unlabelled frames.")]
    public string LabelVariable { get; set; } = "conf_map.gauss";

    [ConfigKey("reduce", "Collapse one dimension of the data: none, sum, mean or max. The default sums das over its 11 frames, as the lab's pipeline does.")]
    public MatReduction Reduce { get; set; } = MatReduction.Sum;

    [ConfigKey("reduce_dim", "MATLAB (1-based) dimension that reduce collapses.", Min = 1, Max = 32)]
    public int ReduceDim { get; set; } = 3;

    [ConfigKey("complex_part", "Which part of complex (IQ) data becomes the frame: real, magnitude or imag; iq keeps both as two channels (real, imaginary; [model] in_channels = 2), with reduce none, sum or mean and normalize none or max. A complex label becomes its magnitude under iq.")]
    public ComplexPart ComplexPart { get; set; } = ComplexPart.Real;

    [ConfigKey("normalize", "Per-frame scaling of the data (labels are kept): none, minmax (to [0, 1]), zscore, or max (divide by the largest magnitude). Raw beamformed values near 1e-22 make training collapse; normalise them.")]
    public MatNormalization Normalize { get; set; } = MatNormalization.None;

    [ConfigKey("svd_cutoff", "SVD clutter filter on each [T, H, W] frame (frame_dim or a 3-D variable): keep singular components lo..hi (1-based) of the [H*W, T] Casorati matrix and remove the rest; on complex data before complex_part is taken. \"auto\" removes the leading components more than 20 dB above the median singular value. [0, 0] = off.", Min = 0, Max = 100000)]
    public SvdCutoff SvdCutoff { get; set; } = SvdCutoff.Off;

    [ConfigKey("frame_dim", "MATLAB (1-based) dimension along which a variable holds many frames; 0 = one frame per file.", Min = 0, Max = 32)]
    public int FrameDim { get; set; }
}

[ConfigSection("simulation", "Synthetic scatterer frames (New-SyntheticFrame). Lengths are in data pixels.")]
public sealed class SimulationSettings
{
    [ConfigKey("count", "Number of frames to generate.", Min = 1)]
    public int Count { get; set; } = 256;

    [ConfigKey("size", "Side of a square data frame in pixels.", Min = 4, Max = 4096)]
    public int Size { get; set; } = 64;

    [ConfigKey("frames", "Time steps per frame; 1 gives static 2-D frames, T > 1 moving sequences [T, H, W].", Min = 1, Max = 1024)]
    public int Frames { get; set; } = 1;

    [ConfigKey("scatterers", "Scatterers per frame, drawn uniformly from [lo, hi].", Min = 0, Max = 100000)]
    public IntRange Scatterers { get; set; } = new(1, 5);

    [ConfigKey("eval_scatterers", "Scatterers per frame of evaluation sets (New-SyntheticFrame -Evaluation), drawn uniformly from [lo, hi]; unset uses scatterers. Training and validation frames always use scatterers.", Min = 0, Max = 100000, Example = "[5, 10]")]
    public IntRange? EvalScatterers { get; set; }

    [ConfigKey("velocity_px", "Speed of each scatterer in pixels per time step, uniform in [lo, hi] (sequences only).", Min = 0, Max = 1000)]
    public DoubleRange VelocityPx { get; set; } = new(3, 8);

    [ConfigKey("angle_deg", "Direction of motion in degrees, uniform in [lo, hi] (sequences only).", Min = -360, Max = 720)]
    public DoubleRange AngleDeg { get; set; } = new(0, 360);

    [ConfigKey("removal_probability", "Chance per scatterer and time step that it is missing from the data (kept in the label).", Min = 0, Max = 1, MaxExclusive = true)]
    public double RemovalProbability { get; set; } = 0.05;

    [ConfigKey("noise_std", "Standard deviation of additive Gaussian noise on the data (not the label); leave it out when snr_db is set.", Min = 0)]
    public double NoiseStd { get; set; } = 0.03;

    [ConfigKey("snr_db", "Noise as a signal-to-noise ratio in dB instead of noise_std: per frame, sigma = rms(clean data) * 10^(-snr_db/20). Unset by default; setting it and noise_std is an error.", Min = -100, Max = 200, ExclusiveWith = ["noise_std"], Example = "20.0")]
    public double? SnrDb { get; set; }

    [ConfigKey("amplitude", "Peak of each scatterer in the data, uniform in [lo, hi]; labels always peak at 1.", Min = 0, Max = 1e6)]
    public DoubleRange Amplitude { get; set; } = new(1, 1);

    [ConfigKey("combine", "How overlapping blobs combine: max keeps every peak at its height (the original's choice), sum adds them.")]
    public PsfCombine Combine { get; set; } = PsfCombine.Max;

    [ConfigKey("psf", "Point-spread function of the data: gaussian (an isotropic Gaussian of psf_sigma_px), gaussian_mu (the original's GaussianMu: a ring of radius psf_mu_px and width psf_sigma_px) or ultrasound (the beamformed IQ response of a linear array from the probe keys below, scatterers summed coherently; see docs/simulation.md). Labels stay Gaussian.")]
    public PsfKind Psf { get; set; } = PsfKind.Gaussian;

    [ConfigKey("psf_sigma_px", "Sigma of the Gaussian point-spread function of the data (gaussian_mu: the ring's width).", Min = 0.05, Max = 1000)]
    public double PsfSigmaPx { get; set; } = 3.1;

    [ConfigKey("psf_mu_px", "gaussian_mu: radius of the ring in data pixels (0 gives the Gaussian). The original's GaussianMu m at size N is m * (N - 2) / 2 pixels.", Min = 0, Max = 1000)]
    public double PsfMuPx { get; set; }

    [ConfigKey("output", "With psf = ultrasound: what the data hold: envelope (|IQ|), iq (two channels, real and imaginary) or bmode_db (20 log10 of the envelope over its maximum, clipped at -dynamic_range_db).")]
    public SimulationOutput Output { get; set; } = SimulationOutput.Envelope;

    [ConfigKey("dynamic_range_db", "With output = bmode_db: the dB below the frame's maximum that are kept; lower values are clipped to -dynamic_range_db.", Min = 1, Max = 200)]
    public double DynamicRangeDb { get; set; } = 50;

    [ConfigKey("center_frequency_mhz", "With psf = ultrasound: centre frequency f0 of the probe in MHz (the wavelength is speed_of_sound / f0).", Min = 0.01, Max = 1000)]
    public double CenterFrequencyMHz { get; set; } = 15.625;

    [ConfigKey("speed_of_sound", "With psf = ultrasound: speed of sound in m/s.", Min = 100, Max = 10000)]
    public double SpeedOfSound { get; set; } = 1540;

    [ConfigKey("pulse_cycles", "With psf = ultrasound: length of the pulse-echo envelope at half maximum, in cycles of f0; sets the axial FWHM (cycles/2 wavelengths) and the bandwidth (-6 dB fractional bandwidth 0.883/cycles).", Min = 0.25, Max = 64)]
    public double PulseCycles { get; set; } = 2;

    [ConfigKey("f_number", "With psf = ultrasound: F-number (depth over aperture) of transmit and receive; sets the lateral FWHM, 0.886 f_number wavelengths.", Min = 0.1, Max = 20)]
    public double FNumber { get; set; } = 1.5;

    [ConfigKey("pixel_size_wavelengths", "With psf = ultrasound: pixel pitch in wavelengths, [axial, lateral] (rows = depth, columns) or one number for both axes. Unset by default (axial_pixel_wavelengths and lateral_pixel_wavelengths apply); setting it and either of those is an error.",
        Min = 0.01, Max = 10, ExclusiveWith = ["axial_pixel_wavelengths", "lateral_pixel_wavelengths"], Example = "[0.25, 0.25]")]
    public PixelPitch? PixelSizeWavelengths { get; set; }

    [ConfigKey("axial_pixel_wavelengths", "With psf = ultrasound: pixel pitch along rows (depth) in wavelengths; the older spelling of pixel_size_wavelengths' first value.", Min = 0.01, Max = 10)]
    public double AxialPixelWavelengths { get; set; } = 0.25;

    [ConfigKey("lateral_pixel_wavelengths", "With psf = ultrasound: pixel pitch along columns in wavelengths; the older spelling of pixel_size_wavelengths' second value.", Min = 0.01, Max = 10)]
    public double LateralPixelWavelengths { get; set; } = 0.25;

    /// <summary>The pixel pitch in force: pixel_size_wavelengths when set, else the two per-axis keys.</summary>
    public PixelPitch PixelPitch => PixelSizeWavelengths ?? new PixelPitch(AxialPixelWavelengths, LateralPixelWavelengths);

    [ConfigKey("tissue_scatterers", "With psf = ultrasound: tissue scatterers per frame, placed uniformly (with the kernel's margin around the field); about 10 or more per resolution cell give fully developed speckle. 0 = no tissue.", Min = 0, Max = 10000000)]
    public int TissueScatterers { get; set; }

    [ConfigKey("tissue_to_bubble_db", "With psf = ultrasound: rms of the tissue envelope over the mean bubble amplitude, in dB.", Min = -100, Max = 100)]
    public double TissueToBubbleDb { get; set; } = 20;

    [ConfigKey("tissue_velocity_px", "With psf = ultrasound, sequences: rigid tissue motion in pixels per time step (a random direction per frame), slow compared with the flow.", Min = 0, Max = 100)]
    public double TissueVelocityPx { get; set; } = 0.05;

    [ConfigKey("motion", "With psf = ultrasound: how bubbles move: linear (straight lines from velocity_px and angle_deg) or vessels (along a branching vessel network with a laminar profile; velocity_px is then the centre-line speed of the root vessels).")]
    public ScattererMotion Motion { get; set; } = ScattererMotion.Linear;

    [ConfigKey("vessels", "With motion = vessels: root vessels entering the field per frame; each branches up to three times (Murray's law).", Min = 1, Max = 64)]
    public int Vessels { get; set; } = 2;

    [ConfigKey("vessel_radius_px", "With motion = vessels: radius of the root vessels in pixels.", Min = 0.1, Max = 1000)]
    public double VesselRadiusPx { get; set; } = 4;

    [ConfigKey("svd_cutoff", "With psf = ultrasound, sequences: SVD clutter filter on the IQ before output: keep singular components lo..hi (1-based) of the [H*W, T] Casorati matrix, remove the rest (the first ones are slow tissue). \"auto\" removes the leading components more than 20 dB above the median singular value. [0, 0] = off.", Min = 0, Max = 1024)]
    public SvdCutoff SvdCutoff { get; set; } = SvdCutoff.Off;

    [ConfigKey("label_psf_sigma_px", "Sigma of the label's Gaussian, in data pixels; 0 means half of psf_sigma_px.", Min = 0, Max = 1000)]
    public double LabelPsfSigmaPx { get; set; }

    [ConfigKey("label", "What the label is: positions (a Gaussian per scatterer at every step, [T,] H*r, W*r) or tracks (for sequences: one [H*r, W*r] image of every scatterer's straight-line path over the steps, for a 3-D U-Net with a temporal_head).")]
    public LabelKind Label { get; set; } = LabelKind.Positions;

    [ConfigKey("track_sigma_px", "With label = tracks: the sigma of the Gaussian across each path, in data pixels; 0 draws a sharp anti-aliased line one label pixel wide.", Min = 0, Max = 1000)]
    public double TrackSigmaPx { get; set; }

    [ConfigKey("size_ratio", "Label resolution as a multiple of the data resolution.", Min = 1, Max = 16)]
    public int SizeRatio { get; set; } = 2;

    [ConfigKey("seed", "Seed; frame i of a run depends only on (seed, i).")]
    public long Seed { get; set; }

    /// <summary>The label sigma actually used, in data pixels.</summary>
    public double EffectiveLabelSigmaPx => LabelPsfSigmaPx > 0 ? LabelPsfSigmaPx : PsfSigmaPx / 2;
}

[ConfigSection("batch", "Batches for training (New-BatchGenerator).")]
public sealed class BatchSettings
{
    [ConfigKey("batch_size", "Frames per batch.", Min = 1, Max = 65536)]
    public int BatchSize { get; set; } = 16;

    [ConfigKey("shuffle", "Reshuffle the training frames every epoch; false keeps their order.")]
    public bool Shuffle { get; set; } = true;

    [ConfigKey("validation_fraction", "Share of the frames held out for validation, chosen by seed.", Min = 0, Max = 1, MaxExclusive = true)]
    public double ValidationFraction { get; set; } = 0.2;

    [ConfigKey("replacement", "Draw each epoch's training frames with replacement (as many draws as training frames) instead of visiting every frame once. Frame or source weights always sample this way.")]
    public bool Replacement { get; set; }

    [ConfigKey("patch_size", "Cut a random square patch of this many data pixels from every frame (data and label together, the label at its own resolution); 0 = whole frames. For models trained on patches of large frames; validation uses the same patches every epoch.", Min = 0, Max = 65536)]
    public int PatchSize { get; set; }

    [ConfigKey("patch_on_label", "Centre each patch on a label maximum (a scatterer), so that no patch is empty; needs patch_size.")]
    public bool PatchOnLabel { get; set; }

    [ConfigKey("sequence_window", "Extend each sample with this many neighbouring steps of its recording on each side (ketos's n_extend): a 2-D frame becomes the [2k+1, H, W] stack of its recording's frames Index-k .. Index+k (same Source), its label the stack of their labels, for a 3-D model. At a recording's ends the nearest step is repeated. 0 = frames as they are.", Min = 0, Max = 64)]
    public int SequenceWindow { get; set; }

    [ConfigKey("patch_mirror", "Let patches reach past the frame's edges (their centre anywhere in the frame), the frame mirrored there as fill_mode reflect does; positions gain the mirrored scatterers. Needs patch_size.")]
    public bool PatchMirror { get; set; }

    [ConfigKey("drop_last", "Drop a short last batch instead of training on it.")]
    public bool DropLast { get; set; }

    [ConfigKey("prefetch", "Batches kept ready ahead of the training loop, besides the ones the workers are building.", Min = 0, Max = 64)]
    public int Prefetch { get; set; } = 2;

    [ConfigKey("workers", "Background tasks that build batches; the batches are the same whatever the number.", Min = 1, Max = 64)]
    public int Workers { get; set; } = 1;

    [ConfigKey("shuffle_window", "For a frame store (New-BatchGenerator -Path): chunks whose frames are shuffled together. Each epoch shuffles the order of the store's chunks, then the frames within each run of this many chunks; memory holds about twice this many chunks.", Min = 1, Max = 4096)]
    public int ShuffleWindow { get; set; } = 16;

    [ConfigKey("seed", "Seed of the validation split, the epoch order and the augmentation.")]
    public long Seed { get; set; }
}

[ConfigSection("augment", "Random augmentation of training batches. One draw per sample moves data, label and positions together; noise and intensity touch the data only. Every key is off by default.")]
public sealed class AugmentSettings
{
    [ConfigKey("snr_db", "Additive Gaussian noise on the data at this signal-to-noise ratio: per sample, sigma = rms(data) * 10^(-snr_db/20). Unset = no noise.", Min = -100, Max = 200, Example = "20.0")]
    public double? SnrDb { get; set; }

    [ConfigKey("flip", "Flip each sample up-down and left-right, each with probability 1/2 (both flip_vertical and flip_horizontal).")]
    public bool Flip { get; set; }

    [ConfigKey("flip_horizontal", "Flip each sample left-right (columns reversed) with probability 1/2.")]
    public bool FlipHorizontal { get; set; }

    [ConfigKey("flip_vertical", "Flip each sample up-down (rows reversed) with probability 1/2.")]
    public bool FlipVertical { get; set; }

    [ConfigKey("rot90", "Rotate each sample by a random multiple of 90 degrees (square frames only).")]
    public bool Rot90 { get; set; }

    [ConfigKey("rotation_deg", "Rotate each sample by an angle uniform in [-rotation_deg, rotation_deg], bilinear, edges repeated; 0 = off.", Min = 0, Max = 180)]
    public double RotationDeg { get; set; }

    [ConfigKey("shift_px", "Shift each sample by up to this many data pixels along each axis (uniform, sub-pixel, bilinear); 0 = off.", Min = 0, Max = 4096)]
    public double ShiftPx { get; set; }

    [ConfigKey("zoom", "Scale each sample about its centre by a factor uniform in [lo, hi] (above 1 enlarges the content); [1, 1] = off.", Min = 0.01, Max = 100)]
    public DoubleRange Zoom { get; set; } = new(1, 1);

    [ConfigKey("shear_deg", "Shear each sample along its columns by an angle uniform in [-shear_deg, shear_deg]: a point moves sideways by tan(angle) times its row distance from the centre; 0 = off.", Min = 0, Max = 80)]
    public double ShearDeg { get; set; }

    [ConfigKey("elastic_alpha_px", "Elastic warp: a smooth random displacement field whose components have this standard deviation, in data pixels, at every pixel; 0 = off.", Min = 0, Max = 1000)]
    public double ElasticAlphaPx { get; set; }

    [ConfigKey("elastic_sigma_px", "Smoothness of the elastic field: the Gaussian width, in data pixels, that white noise is smoothed with (larger = broader, gentler warps).", Min = 0.5, Max = 1000)]
    public double ElasticSigmaPx { get; set; } = 4;

    [ConfigKey("fill_mode", "What geometric transforms (rotation, shift, zoom, shear, elastic) show where they reach outside the frame: nearest (repeat the edge), reflect (mirror the frame; positions gain the mirrored scatterers) or constant (fill_value in the data, 0 in the label).")]
    public FillMode FillMode { get; set; } = FillMode.Nearest;

    [ConfigKey("fill_value", "The data value outside the frame when fill_mode = \"constant\" (before intensity scaling).")]
    public double FillValue { get; set; }

    [ConfigKey("out_of_plane", "Probability that each scatterer of a training sample is dropped from the data at every time step, as if it had left the imaging plane; the label and positions keep it (the model learns to localise only what it can see; positions mark it InData = false). Only simulated frames (New-SyntheticFrame, or stores of them) can be re-rendered without it; other frames pass unchanged. The original's OutOfPlaneScat = None meant about one scatterer per time series: 1 / (scatterers per frame). 0 = off.", Min = 0, Max = 1)]
    public double OutOfPlane { get; set; }

    [ConfigKey("intensity_scale", "Multiply the data by a factor uniform in [lo, hi]; [1, 1] = off.", Min = 0, Max = 1e6)]
    public DoubleRange IntensityScale { get; set; } = new(1, 1);

    [ConfigKey("intensity_shift", "Add an offset uniform in [lo, hi] to the data, after scaling and noise; [0, 0] = off.")]
    public DoubleRange IntensityShift { get; set; } = new(0, 0);
}

[ConfigSection("model", "The U-Net (see shared/bench/UNET.md for the exact definition).")]
public sealed class ModelSettings
{
    [ConfigKey("dims", "2 for frames [H, W]; 3 for sequences [T, H, W] with time as the depth axis.", Min = 2, Max = 3)]
    public int Dims { get; set; } = 2;

    [ConfigKey("in_channels", "Channels of the input: 1, or 2 for IQ frames (real and imaginary); must match the frames' channels.", Min = 1, Max = 64)]
    public int InChannels { get; set; } = 1;

    [ConfigKey("depth", "Encoder levels; H and W must be multiples of 2^depth.", Min = 1, Max = 10)]
    public int Depth { get; set; } = 3;

    [ConfigKey("filters", "Channels at the first level, doubled at every level below.", Min = 1, Max = 4096)]
    public int Filters { get; set; } = 64;

    [ConfigKey("kernel", "Convolution kernel size on H and W (odd).", Min = 1, Max = 31, Odd = true)]
    public int Kernel { get; set; } = 3;

    [ConfigKey("temporal_kernel", "Convolution kernel size on T (odd; 3-D only).", Min = 1, Max = 31, Odd = true)]
    public int TemporalKernel { get; set; } = 1;

    [ConfigKey("temporal_downscaling", "Also down- and up-sample T by 2 (3-D only).")]
    public bool TemporalDownscaling { get; set; }

    [ConfigKey("temporal_head", "3-D only: reduce the output's T to one 2-D map [H*r, W*r] (for track labels or one label per sequence): none keeps T; mean or max over T; conv, a learned Conv3d of kernel (T, 1, 1) without padding, so the model reads sequences of the T it was built for.")]
    public TemporalHead TemporalHead { get; set; } = TemporalHead.None;

    [ConfigKey("activation", "Activation inside the residual blocks.")]
    public Activation Activation { get; set; } = Activation.LeakyReLU;

    [ConfigKey("lrelu_slope", "Negative slope of lrelu.", Min = 0, Max = 1)]
    public double LreluSlope { get; set; } = 0.3;

    [ConfigKey("batch_norm", "Batch normalisation before each activation.")]
    public bool BatchNorm { get; set; } = true;

    [ConfigKey("shortcut", "Identity shortcut in each residual block whose input and output widths match.")]
    public bool Shortcut { get; set; } = true;

    [ConfigKey("dropout", "Dropout probability; 0 means no dropout layers.", Min = 0, Max = 1, MaxExclusive = true)]
    public double Dropout { get; set; } = 0.3;

    [ConfigKey("dropout_wrn", "Dropout between the two convolutions of a block (wide-resnet) instead of at its end.")]
    public bool DropoutWrn { get; set; }

    [ConfigKey("dropout_encoder_only", "No dropout in the bottleneck and the decoder.")]
    public bool DropoutEncoderOnly { get; set; }

    [ConfigKey("down_sampling", "How the encoder halves the resolution.")]
    public DownSampling DownSampling { get; set; } = DownSampling.MaxPool;

    [ConfigKey("up_sampling", "How the decoder doubles the resolution.")]
    public UpSampling UpSampling { get; set; } = UpSampling.Subpixel;

    [ConfigKey("skip", "How each decoder level merges the encoder's skip tensor.")]
    public SkipMerge Skip { get; set; } = SkipMerge.Add;

    [ConfigKey("size_ratio", "Output resolution as a multiple of the input's (super-resolution head); 0 takes it from the data.", Min = 0, Max = 16)]
    public int SizeRatio { get; set; }

    [ConfigKey("output_activation", "Activation of the output layer.")]
    public OutputActivation OutputActivation { get; set; } = OutputActivation.Sigmoid;

    [ConfigKey("initializer", "Initial weights of every convolution (biases start at 0).")]
    public Initializer Initializer { get; set; } = Initializer.GlorotUniform;
}

[ConfigSection("training", "The training loop (Invoke-UNetTraining).")]
public sealed class TrainingSettings
{
    [ConfigKey("epochs", "Passes over the training frames.", Min = 1, Max = 1000000)]
    public int Epochs { get; set; } = 10;

    [ConfigKey("optimizer", "Optimizer.")]
    public OptimizerKind Optimizer { get; set; } = OptimizerKind.Adam;

    [ConfigKey("learning_rate", "Initial learning rate.", Min = 0)]
    public double LearningRate { get; set; } = 1e-3;

    [ConfigKey("weight_decay", "L2 weight decay (decoupled for adamw).", Min = 0)]
    public double WeightDecay { get; set; }

    [ConfigKey("momentum", "Momentum of sgd and rmsprop (PyTorch's default, 0, is none).", Min = 0, Max = 1, MaxExclusive = true)]
    public double Momentum { get; set; }

    [ConfigKey("dampening", "sgd: dampening of the momentum.", Min = 0, Max = 1)]
    public double Dampening { get; set; }

    [ConfigKey("nesterov", "sgd: Nesterov momentum (needs momentum > 0 and dampening = 0).")]
    public bool Nesterov { get; set; }

    [ConfigKey("beta1", "adam and adamw: decay of the gradient's running mean.", Min = 0, Max = 1, MaxExclusive = true)]
    public double Beta1 { get; set; } = 0.9;

    [ConfigKey("beta2", "adam and adamw: decay of the squared gradient's running mean.", Min = 0, Max = 1, MaxExclusive = true)]
    public double Beta2 { get; set; } = 0.999;

    [ConfigKey("eps", "Term added to the optimizer's denominator. Unset: PyTorch's default for the optimizer (1e-8; adadelta 1e-6).", Min = 0, Max = 1, Example = "1e-8")]
    public double? Eps { get; set; }

    [ConfigKey("rmsprop_alpha", "rmsprop: decay of the squared gradient's running mean.", Min = 0, Max = 1)]
    public double RmsPropAlpha { get; set; } = 0.99;

    [ConfigKey("centered", "rmsprop: normalise by the gradient's estimated variance instead of its second moment.")]
    public bool Centered { get; set; }

    [ConfigKey("rho", "adadelta: decay of the running averages.", Min = 0, Max = 1)]
    public double Rho { get; set; } = 0.9;

    [ConfigKey("loss", "Loss between prediction and label.")]
    public LossKind Loss { get; set; } = LossKind.Mse;

    [ConfigKey("focal_gamma", "Focusing exponent of the focal loss.", Min = 0, Max = 10)]
    public double FocalGamma { get; set; } = 2;

    [ConfigKey("focal_alpha", "Weight of the positive class in the focal loss.", Min = 0, Max = 1)]
    public double FocalAlpha { get; set; } = 0.25;

    [ConfigKey("lr_schedule", "Learning-rate schedule over epochs.")]
    public ScheduleKind LrSchedule { get; set; } = ScheduleKind.None;

    [ConfigKey("lr_step_epochs", "step: multiply the rate by lr_factor every this many epochs.", Min = 1)]
    public int LrStepEpochs { get; set; } = 10;

    [ConfigKey("lr_factor", "step and plateau: the factor applied to the rate.", Min = 0, Max = 1, MaxExclusive = true)]
    public double LrFactor { get; set; } = 0.1;

    [ConfigKey("lr_patience", "plateau: epochs without improvement of the monitored metric before the rate drops.", Min = 1)]
    public int LrPatience { get; set; } = 5;

    [ConfigKey("lr_warmup_epochs", "Epochs of linear warm-up from lr/warmup to lr (any schedule).", Min = 0)]
    public int LrWarmupEpochs { get; set; }

    [ConfigKey("min_learning_rate", "Floor of every schedule (cosine ends here).", Min = 0)]
    public double MinLearningRate { get; set; }

    [ConfigKey("monitor", "Metric that picks the best epoch and drives plateau and early stopping: a history column such as val_loss, val_dice, loss, or a localisation score of the validation split, val_f1, val_jaccard (higher is better) or val_rmse_px (lower is better).",
        Pattern = "(val_)?(loss|mse|dice|precision|recall)|val_(f1|jaccard|rmse_px)", PatternHint = "loss, mse, dice, precision, recall, each optionally with val_, or val_f1, val_jaccard, val_rmse_px")]
    public string Monitor { get; set; } = "val_loss";

    [ConfigKey("early_stopping_patience", "Stop after this many epochs without improvement of the monitored metric; 0 never stops early.", Min = 0)]
    public int EarlyStoppingPatience { get; set; }

    [ConfigKey("localisation_every", "Score localisation (F1, RMSE in px against the true positions) on the validation split every this many epochs; 0 never.", Min = 0)]
    public int LocalisationEvery { get; set; } = 1;

    [ConfigKey("preview_every", "Write preview-epoch-NNNN.png (data, label, prediction of a few fixed validation frames) into the run's folder every this many epochs; 0 never.", Min = 0)]
    public int PreviewEvery { get; set; }

    [ConfigKey("preview_frames", "Validation frames in each preview.", Min = 1, Max = 64)]
    public int PreviewFrames { get; set; } = 4;

    [ConfigKey("gradient_clip_norm", "Clip the gradients' global L2 norm to this; 0 does not clip.", Min = 0)]
    public double GradientClipNorm { get; set; }

    [ConfigKey("non_finite", "A NaN or infinite loss or gradient: skip that step (and stop if a whole epoch is skipped), or stop the run.")]
    public NonFinitePolicy NonFinite { get; set; } = NonFinitePolicy.Skip;

    [ConfigKey("retries", "Failed epochs (an error in a step: a native error, an unreadable frame) to run again from last.ckpt before the run fails; 0 fails at the first. Non-finite losses follow non_finite instead.", Min = 0, Max = 1000)]
    public int Retries { get; set; }

    [ConfigKey("checkpoint", "Checkpoints kept in the run's folder.")]
    public CheckpointPolicy Checkpoint { get; set; } = CheckpointPolicy.Best;

    [ConfigKey("device", "auto (CUDA when present), cpu, cuda or cuda:N.", Pattern = "auto|cpu|cuda(:[0-9]+)?", PatternHint = "auto, cpu, cuda, cuda:N")]
    public string Device { get; set; } = "auto";

    [ConfigKey("threads", "CPU threads for tensor work; 0 uses every core.", Min = 0, Max = 1024)]
    public int Threads { get; set; }

    [ConfigKey("seed", "Seed of the initial weights and of dropout.")]
    public long Seed { get; set; }

    [ConfigKey("precision", "Number type of the forward pass: fp32; bf16 (autocast to bfloat16, CUDA only); fp16 (autocast to float16 with dynamic loss scaling, CUDA only). Losses, metrics and weights stay float32.")]
    public TrainingPrecision Precision { get; set; } = TrainingPrecision.Fp32;
}

[ConfigSection("evaluation", "Scoring predictions against labels.")]
public sealed class EvaluationSettings
{
    [ConfigKey("threshold", "A pixel counts as a detection (and a label pixel as positive) at or above this value.", Min = 0, Max = 1)]
    public double Threshold { get; set; } = 0.5;

    // Odd, so the window has a centre pixel; measured in the searched map's own pixels because the
    // peak width a model learns is set by the label's resolution, not the data's.
    [ConfigKey("window_px", "Side of the square window, in pixels of the map searched (label pixels, size_ratio per data pixel), within which a detection must be the largest value.", Min = 1, Max = 101, Odd = true)]
    public int WindowPx { get; set; } = 5;

    [ConfigKey("tolerance_px", "Largest distance, in data pixels, between a detection and a true position for the two to match.", Min = 0, Max = 1000)]
    public double TolerancePx { get; set; } = 1.0;

    [ConfigKey("refine", "Sub-pixel refinement of each detection: none keeps the pixel centre; centroid takes the intensity-weighted centroid of its window.")]
    public RefineMode Refine { get; set; } = RefineMode.Centroid;

    [ConfigKey("window_overlap", "Frames larger than the model's training frames are predicted in overlapping tiles of that size, blended with Gaussian weights: the overlap as a fraction of the tile in [0, 1), or a whole number of pixels (1 or more).", Min = 0, Max = 4096, FractionOrWhole = true)]
    public double WindowOverlap { get; set; } = 0.25;
}

[ConfigSection("output", "Where runs write their files.")]
public sealed class OutputSettings
{
    [ConfigKey("directory", "Folder for checkpoints, history and plots.")]
    public string Directory { get; set; } = "output";
}

[ConfigSection("bench", "Input size for the benchmark program only (DataPipeline.Bench).")]
public sealed class BenchSettings
{
    [ConfigKey("height", "Input height.", Min = 1)]
    public int Height { get; set; } = 64;

    [ConfigKey("width", "Input width.", Min = 1)]
    public int Width { get; set; } = 64;

    [ConfigKey("frames", "Input time steps (3-D only).", Min = 1)]
    public int Frames { get; set; } = 16;
}
