//! The current query as a tree of clauses: the list the builder shows
//! (every node below the root, depth first) and its edits (delete,
//! toggle AND/OR, group in parentheses, take out of them, move up or
//! down, append new
//! terms), over rt-core's parsed [`Expr`]. After an edit, [`normalize`]
//! keeps the tree in the shape the parser gives back, so the TicketSQL
//! written from it reads back as the same tree.

use std::collections::BTreeSet;

use rt_core::search::Expr;

/// The tree as a group at its root.
pub(super) fn as_group(expr: Expr) -> Expr {
    match expr {
        Expr::Cond(_) => Expr::And(vec![expr]),
        group => group,
    }
}

pub(super) fn children(expr: &Expr) -> &[Expr] {
    match expr {
        Expr::And(v) | Expr::Or(v) => v,
        Expr::Cond(_) => &[],
    }
}

pub(super) fn children_mut(expr: &mut Expr) -> Option<&mut Vec<Expr>> {
    match expr {
        Expr::And(v) | Expr::Or(v) => Some(v),
        Expr::Cond(_) => None,
    }
}

pub(super) fn node_mut<'a>(root: &'a mut Expr, path: &[usize]) -> Option<&'a mut Expr> {
    let mut node = root;
    for i in path {
        node = children_mut(node)?.get_mut(*i)?;
    }
    Some(node)
}

/// Every node below the root, depth first, with its path and its text (a
/// group as its joiner).
pub(super) fn flatten(root: &Expr) -> Vec<(Vec<usize>, String)> {
    fn walk(expr: &Expr, path: &mut Vec<usize>, out: &mut Vec<(Vec<usize>, String)>) {
        for (i, child) in children(expr).iter().enumerate() {
            path.push(i);
            let text = match child {
                Expr::Cond(c) => c.to_string(),
                Expr::And(_) => "AND group".into(),
                Expr::Or(_) => "OR group".into(),
            };
            out.push((path.clone(), text));
            walk(child, path, out);
            path.pop();
        }
    }
    let mut out = Vec::new();
    walk(root, &mut Vec::new(), &mut out);
    out
}

pub(super) fn delete(root: &mut Expr, chosen: &[Vec<usize>]) {
    let mut paths = chosen.to_vec();
    paths.sort();
    for path in paths.iter().rev() {
        let Some((last, parent)) = path.split_last() else { continue };
        if let Some(list) = node_mut(root, parent).and_then(children_mut)
            && *last < list.len()
        {
            list.remove(*last);
        }
    }
}

pub(super) fn toggle(root: &mut Expr, chosen: &[Vec<usize>]) {
    let parents: BTreeSet<Vec<usize>> = chosen.iter().filter_map(|p| p.split_last().map(|(_, p)| p.to_vec())).collect();
    for parent in parents {
        if let Some(node) = node_mut(root, &parent) {
            *node = match std::mem::replace(node, Expr::And(Vec::new())) {
                Expr::And(v) => Expr::Or(v),
                Expr::Or(v) => Expr::And(v),
                cond => cond,
            };
        }
    }
}

/// Puts the chosen siblings of the first chosen node in parentheses, as a
/// group of the other joiner (a group of the same joiner would mean
/// nothing).
pub(super) fn group(root: &mut Expr, chosen: &[Vec<usize>]) {
    let Some((_, parent)) = chosen.first().and_then(|p| p.split_last()) else { return };
    let parent = parent.to_vec();
    let mut indices: Vec<usize> = chosen
        .iter()
        .filter(|p| p.len() == parent.len() + 1 && p.starts_with(&parent))
        .map(|p| p[parent.len()])
        .collect();
    indices.sort_unstable();
    indices.dedup();
    let Some(node) = node_mut(root, &parent) else { return };
    let is_and = matches!(node, Expr::And(_));
    let Some(list) = children_mut(node) else { return };
    if indices.len() < 2 && list.len() < 2 {
        return;
    }
    let first = indices[0];
    let mut taken = Vec::new();
    for i in indices.iter().rev() {
        if *i < list.len() {
            taken.push(list.remove(*i));
        }
    }
    taken.reverse();
    let group = if is_and { Expr::Or(taken) } else { Expr::And(taken) };
    list.insert(first.min(list.len()), group);
}

/// Takes the first chosen node out of parentheses (RT's "Left"): a clause
/// leaves its group for the group's parent, just after the group; a group
/// is dissolved into its parent.
pub(super) fn lift(root: &mut Expr, chosen: &[Vec<usize>]) {
    let Some((last, parent)) = chosen.first().and_then(|p| p.split_last()) else { return };
    let (last, parent) = (*last, parent.to_vec());
    let Some(list) = node_mut(root, &parent).and_then(children_mut) else { return };
    if last >= list.len() {
        return;
    }
    let node = list.remove(last);
    match node {
        Expr::And(members) | Expr::Or(members) => {
            for (i, member) in members.into_iter().enumerate() {
                list.insert(last + i, member);
            }
        }
        clause => match parent.split_last() {
            Some((at, grand)) => {
                if let Some(outer) = node_mut(root, grand).and_then(children_mut) {
                    outer.insert((*at + 1).min(outer.len()), clause);
                }
            }
            // Already at the top: nothing to take it out of.
            None => list.insert(last, clause),
        },
    }
}

pub(super) fn shift(root: &mut Expr, chosen: &[Vec<usize>], up: bool) {
    let Some((last, parent)) = chosen.first().and_then(|p| p.split_last()) else { return };
    let (last, parent) = (*last, parent.to_vec());
    if let Some(list) = node_mut(root, &parent).and_then(children_mut) {
        if up && last > 0 {
            list.swap(last, last - 1);
        } else if !up && last + 1 < list.len() {
            list.swap(last, last + 1);
        }
    }
}

pub(super) fn append(root: &mut Expr, terms: Vec<Expr>, or: bool) {
    let matches_root = matches!((&*root, or), (Expr::Or(_), true) | (Expr::And(_), false));
    let empty = children(root).is_empty();
    if matches_root || empty {
        let mut list = std::mem::take(children_mut(root).unwrap_or(&mut Vec::new()));
        list.extend(terms);
        *root = if or { Expr::Or(list) } else { Expr::And(list) };
    } else {
        let old = std::mem::replace(root, Expr::And(Vec::new()));
        let mut list = vec![old];
        list.extend(terms);
        *root = if or { Expr::Or(list) } else { Expr::And(list) };
    }
}

/// Removes empty groups, lifts single-member groups and merges a group
/// into its parent of the same joiner, so the text reads back the same.
pub(super) fn normalize(expr: &mut Expr) {
    let is_and = matches!(expr, Expr::And(_));
    let Some(list) = children_mut(expr) else { return };
    let old = std::mem::take(list);
    for mut child in old {
        normalize(&mut child);
        match child {
            Expr::Cond(_) => list.push(child),
            Expr::And(mut v) | Expr::Or(mut v) if v.len() <= 1 => list.append(&mut v),
            Expr::And(v) if is_and => list.extend(v),
            Expr::Or(v) if !is_and => list.extend(v),
            group => list.push(group),
        }
    }
    if list.len() == 1 && !matches!(list[0], Expr::Cond(_)) {
        let only = list.remove(0);
        *expr = only;
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use rt_core::search::parse;

    fn tree(q: &str) -> Expr {
        as_group(parse(q).unwrap())
    }

    #[test]
    fn clause_operations_rebuild_readable_queries() {
        let mut root = tree("Queue = 'General' AND Status = 'open' AND Priority > 5");
        group(&mut root, &[vec![1], vec![2]]);
        normalize(&mut root);
        assert_eq!(root.to_string(), "Queue = 'General' AND ( Status = 'open' OR Priority > 5 )");
        let mut again = tree(&root.to_string());
        toggle(&mut again, &[vec![1, 0]]);
        normalize(&mut again);
        assert_eq!(again.to_string(), "Queue = 'General' AND Status = 'open' AND Priority > 5");
        delete(&mut again, &[vec![0], vec![2]]);
        normalize(&mut again);
        assert_eq!(again.to_string(), "Status = 'open'");
        append(&mut again, vec![parse("Owner = 'Nobody'").unwrap()], true);
        normalize(&mut again);
        assert_eq!(again.to_string(), "Status = 'open' OR Owner = 'Nobody'");
        shift(&mut again, &[vec![1]], true);
        assert_eq!(again.to_string(), "Owner = 'Nobody' OR Status = 'open'");
        let mut nested = tree("Queue = 'General' AND ( Status = 'new' OR Priority > 5 )");
        lift(&mut nested, &[vec![1, 1]]);
        normalize(&mut nested);
        assert_eq!(nested.to_string(), "Queue = 'General' AND Status = 'new' AND Priority > 5");
        let mut nested = tree("Queue = 'General' AND ( Status = 'new' OR Priority > 5 )");
        lift(&mut nested, &[vec![1]]);
        normalize(&mut nested);
        assert_eq!(nested.to_string(), "Queue = 'General' AND Status = 'new' AND Priority > 5");
        let mut top = tree("Queue = 'General' AND Status = 'new'");
        lift(&mut top, &[vec![0]]);
        assert_eq!(top.to_string(), "Queue = 'General' AND Status = 'new'");
        let mut empty = tree("");
        append(&mut empty, vec![parse("id = 1").unwrap()], false);
        normalize(&mut empty);
        assert_eq!(empty.to_string(), "id = 1");
    }
}
