from setuptools import setup

setup(
    name="spikesim",
    version="0.1.0",
    description="Spiking neural networks for reinforcement learning: NumPy arrays, Numba-compiled hot loops",
    long_description=open("README.md", encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    python_requires=">=3.10",
    packages=[
        "spikesim",
        "spikesim.commands",
        "spikesim.neurons",
        "spikesim.synapses",
        "spikesim.inputs",
        "spikesim.readouts",
        "spikesim.rewards",
        "spikesim.weights",
        "spikesim.modifiers",
        "spikesim.games",
        "spikesim.meta",
        "spikesim.experiments",
    ],
    package_dir={
        "spikesim.games": "games",
        "spikesim.meta": "meta",
        "spikesim.experiments": "experiments",
    },
    install_requires=[
        "numpy>=1.24",
        "numba>=0.59",
        "gymnasium>=1.0",
        "ray>=2.9",
        "matplotlib>=3.7",
        "tqdm>=4.60",
    ],
    entry_points={"console_scripts": ["spikesim = spikesim.cli:main"]},
    extras_require={
        # gymnasium's box2d extra: the tests build every experiment, lunarlander-ac's LunarLander-v3 included
        "test": ["pytest>=7", "hypothesis>=6", "import-linter>=2", "gymnasium[box2d]", "ray[tune]>=2.9"],
        "tune": ["ray[tune]>=2.9"],  # spikesim.meta.tune.GeneticSearch, a Ray Tune searcher (pandas, pyarrow...)
        "bench": ["brian2>=2.5"],
        "docs": ["mkdocs>=1.6,<2", "pymdown-extensions>=10"],
        "box2d": ["gymnasium[box2d]"],  # lunarlander-ac
    },
)
