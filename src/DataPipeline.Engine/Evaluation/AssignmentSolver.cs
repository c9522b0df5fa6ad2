namespace DataPipeline.Engine.Evaluation;

/// <summary>
/// The Hungarian method (Kuhn-Munkres with potentials, O(n²m)): assigns every row of a cost matrix
/// to a distinct column so that the total cost is the smallest possible.
/// </summary>
internal static class AssignmentSolver
{
    /// <param name="cost">rows x columns, rows ≤ columns, finite values.</param>
    /// <returns>For each row, the column assigned to it.</returns>
    public static int[] Solve(double[,] cost)
    {
        int n = cost.GetLength(0), m = cost.GetLength(1);
        if (n > m) throw new ArgumentException($"Need rows ≤ columns; got {n}x{m}.", nameof(cost));
        // 1-based with a virtual row/column 0, as in the classic formulation: rowPotential/columnPotential
        // keep every reduced cost non-negative, rowOf[j] is the row holding column j.
        var rowPotential = new double[n + 1];
        var columnPotential = new double[m + 1];
        var rowOf = new int[m + 1];
        var previous = new int[m + 1];
        var slack = new double[m + 1];
        var visited = new bool[m + 1];
        for (int i = 1; i <= n; i++)
        {
            rowOf[0] = i;
            int column = 0;
            Array.Fill(slack, double.PositiveInfinity);
            Array.Clear(visited);
            // Grow an alternating tree from row i until it reaches a free column.
            do
            {
                visited[column] = true;
                int row = rowOf[column], next = 0;
                double delta = double.PositiveInfinity;
                for (int j = 1; j <= m; j++)
                {
                    if (visited[j]) continue;
                    double reduced = cost[row - 1, j - 1] - rowPotential[row] - columnPotential[j];
                    if (reduced < slack[j])
                    {
                        slack[j] = reduced;
                        previous[j] = column;
                    }
                    if (slack[j] < delta)
                    {
                        delta = slack[j];
                        next = j;
                    }
                }
                for (int j = 0; j <= m; j++)
                {
                    if (visited[j])
                    {
                        rowPotential[rowOf[j]] += delta;
                        columnPotential[j] -= delta;
                    }
                    else
                    {
                        slack[j] -= delta;
                    }
                }
                column = next;
            }
            while (rowOf[column] != 0);
            // Flip the augmenting path back to the root.
            do
            {
                int before = previous[column];
                rowOf[column] = rowOf[before];
                column = before;
            }
            while (column != 0);
        }
        var assignment = new int[n];
        for (int j = 1; j <= m; j++)
        {
            if (rowOf[j] != 0) assignment[rowOf[j] - 1] = j - 1;
        }
        return assignment;
    }
}
