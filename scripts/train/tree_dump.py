"""LightGBM trees as compact JSON for the TypeScript TreeSHAP (server/detection/models/tree_shap.ts).

ONNX's TreeEnsemble operator keeps the splits and leaf values but not how many training rows reached each node,
and TreeSHAP needs those counts (they are its "cover"). So the booster's own dump is reduced to flat per-tree
arrays in LightGBM's indexing: internal nodes 0..n-2, a child >= 0 is an internal node, a child < 0 is leaf ~child.
"""

MISSING = {'None': 0, 'Zero': 1, 'NaN': 2}


def compact_trees(booster):
    dump = booster.dump_model()
    if dump.get('num_class', 1) != 1:
        raise ValueError('tree dump: only binary / single-output models are supported')
    trees = []
    for info in dump['tree_info']:
        trees.append(_tree(info['tree_structure']))
    return {
        'format': 'lightgbm-trees-1',
        'numFeatures': dump['max_feature_idx'] + 1,
        'featureNames': dump['feature_names'],
        'objective': dump.get('objective', ''),
        'trees': trees,
    }


def _tree(root):
    if 'leaf_value' in root and 'split_index' not in root:
        # A single-leaf tree: no splits, its value is a constant added to every row.
        return {'splitFeature': [], 'threshold': [], 'defaultLeft': [], 'missingType': [], 'left': [], 'right': [],
                'internalCount': [], 'leafValue': [root['leaf_value']], 'leafCount': [root.get('leaf_count', 1)]}
    n_internal = 0
    n_leaves = 0

    def count(node):
        nonlocal n_internal, n_leaves
        if 'split_index' in node:
            n_internal += 1
            count(node['left_child'])
            count(node['right_child'])
        else:
            n_leaves += 1

    count(root)
    t = {'splitFeature': [0] * n_internal, 'threshold': [0.0] * n_internal, 'defaultLeft': [False] * n_internal,
         'missingType': [0] * n_internal, 'left': [0] * n_internal, 'right': [0] * n_internal,
         'internalCount': [0] * n_internal, 'leafValue': [0.0] * n_leaves, 'leafCount': [0] * n_leaves}

    def ref(node):
        return node['split_index'] if 'split_index' in node else ~node['leaf_index']

    def walk(node):
        if 'split_index' not in node:
            i = node['leaf_index']
            t['leafValue'][i] = node['leaf_value']
            t['leafCount'][i] = node['leaf_count']
            return
        if node['decision_type'] != '<=':
            raise ValueError(f"tree dump: decision type {node['decision_type']} (categorical) is not supported")
        i = node['split_index']
        t['splitFeature'][i] = node['split_feature']
        t['threshold'][i] = float(node['threshold'])
        t['defaultLeft'][i] = bool(node['default_left'])
        t['missingType'][i] = MISSING[node['missing_type']]
        t['left'][i] = ref(node['left_child'])
        t['right'][i] = ref(node['right_child'])
        t['internalCount'][i] = node['internal_count']
        walk(node['left_child'])
        walk(node['right_child'])

    walk(root)
    return t
